"""``huren huren_demo``: load the demo data into an empty database and print the logins."""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "载入示范数据（仅空数据库） / load demo data (empty database only)"

    def handle(self, *args, **options):
        from huren.assessment import demo

        if not demo.is_empty():
            self.stdout.write("数据库非空，未载入示范数据 / the database is not empty; demo data not loaded")
            return
        t0 = time.perf_counter()
        logins = demo.load()
        self.stdout.write(f"示范数据已载入 / demo data loaded in {time.perf_counter() - t0:.1f} s")
        self.stdout.write(f"登录（密码均为 {demo.DEMO_PASSWORD}） / logins (password {demo.DEMO_PASSWORD} for all):")
        for username, role, inst in logins:
            self.stdout.write(f"  {username:<14} {role:<17} {inst}")
