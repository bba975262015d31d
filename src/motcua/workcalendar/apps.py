from django.apps import AppConfig


class WorkCalendarConfig(AppConfig):
    name = "motcua.workcalendar"
    label = "workcalendar"
    verbose_name = "Lịch làm việc"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from motcua.workcalendar import models, selectors

        # Any change to the calendar data drops the cached calendars of this process.
        for model in (models.HolidayRule, models.DayOverride, models.WorkingSchedule):
            for signal in (post_save, post_delete):
                signal.connect(
                    selectors.invalidate_calendars,
                    sender=model,
                    dispatch_uid=f"workcalendar-invalidate-{model.__name__}-{id(signal)}",
                )
