from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("publishing", "0007_post_reply_to"),
    ]

    operations = [
        migrations.AddField(
            model_name="post",
            name="schedule_refused",
            field=models.CharField(blank=True, max_length=1000),
        ),
        migrations.AddField(
            model_name="post",
            name="schedule_refused_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="post",
            index=models.Index(
                fields=["workspace", "status", "-updated_at"], name="post_status_edited"
            ),
        ),
    ]
