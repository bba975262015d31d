from django.apps import AppConfig


class AgenciesConfig(AppConfig):
    name = "motcua.agencies"
    label = "agencies"
    verbose_name = "Đơn vị hành chính và cơ quan"
