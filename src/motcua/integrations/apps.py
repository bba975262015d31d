from django.apps import AppConfig


class IntegrationsConfig(AppConfig):
    name = "motcua.integrations"
    label = "integrations"
    verbose_name = "Tích hợp: webhook và Cổng Dịch vụ công quốc gia"
