from django.db import migrations


def seed(apps, schema_editor):
    from huren.recognition.reasons import seed_reasons

    seed_reasons(apps.get_model("recognition", "ReExamReason"))


class Migration(migrations.Migration):
    dependencies = [("recognition", "0002_state_history")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
