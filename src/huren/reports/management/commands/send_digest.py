from django.core.management.base import BaseCommand

from huren.reports.digest import run_digest


class Command(BaseCommand):
    help = "Build today's QC reminders, e-mail them to each hospital's QC contacts and store the notifications now."

    def add_arguments(self, parser):
        parser.add_argument("--no-mail", action="store_true", help="store the notifications only")

    def handle(self, *args, no_mail=False, **opts):
        r = run_digest(send=not no_mail)
        self.stdout.write(f"设备 {r.devices} 台，提醒 {r.reminders} 条，邮件 {r.emails} 封，新通知 {r.notifications} 条 / "
                          f"{r.devices} devices, {r.reminders} reminders, {r.emails} e-mails, {r.notifications} new notifications")
