from django.db import migrations

from huren.evidence.dbguard import guard


class Migration(migrations.Migration):
    dependencies = [("assessment", "0001_initial"), ("evidence", "0003_append_only_guard")]

    operations = [guard("assessment_decision", "assessment_itemreview")]
