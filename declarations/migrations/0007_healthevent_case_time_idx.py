from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('declarations', '0006_encrypt_personal_numbers'),
    ]

    operations = [
        migrations.AddIndex(
            model_name='healthevent',
            index=models.Index(condition=models.Q(('kind__in', ['confirmed_case', 'suspected_case'])), fields=['created'], name='healthevent_case_time_idx'),
        ),
    ]
