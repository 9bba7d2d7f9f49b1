"""``huren iq_sample``: draw the image-quality samples of the period containing a day."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from huren.imagequality.models import SamplingRule
from huren.imagequality.sampling import SamplingError, draw_sample


class Command(BaseCommand):
    help = "抽取图像质量专家评分样本 / draw the studies experts score (per active sampling rule)"

    def add_arguments(self, parser):
        parser.add_argument("--date", default=None, help="a day of the period (YYYY-MM-DD; default today)")
        parser.add_argument("--rule", type=int, default=None, help="one sampling rule id (default: every active rule)")
        parser.add_argument("--seed", type=int, default=None, help="random seed (default: a fresh one, recorded)")

    def handle(self, *args, date=None, rule=None, seed=None, **opts):
        try:
            day = dt.date.fromisoformat(date) if date else dt.date.today()
        except ValueError:
            raise CommandError(f"日期格式应为 YYYY-MM-DD / the date must be YYYY-MM-DD: {date!r}") from None
        rules = SamplingRule.objects.filter(active=True)
        if rule is not None:
            rules = rules.filter(pk=rule)
            if not rules.exists():
                raise CommandError(f"没有启用的抽样规则 {rule} / no active sampling rule {rule}")
        for r in rules.order_by("id"):
            try:
                draws = draw_sample(r, day, seed=seed)
            except SamplingError as e:
                raise CommandError(f"{e.zh} / {e.en}") from None
            for d in draws:
                s = d.sample
                self.stdout.write(f"{'drawn' if d.created else 'exists'} rule={r.pk} device={s.device_id} "
                                  f"{s.period_start}..{s.period_end} seed={s.seed} population={s.population} "
                                  f"studies={s.entries.count()}")
