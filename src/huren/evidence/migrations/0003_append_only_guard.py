from django.db import migrations

from huren.evidence.dbguard import guard


class Migration(migrations.Migration):
    dependencies = [("evidence", "0002_catalog_names")]

    operations = [guard("evidence_measurement", "evidence_dailylog", "evidence_checklistanswer", "evidence_document")]
