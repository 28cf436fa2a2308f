from django.db import migrations
from django.utils import timezone


def move_cursors(apps, schema_editor):
    """The interactions cursor moves to the inbox's own pull row: a channel's inbox goes on
    from where the hourly pull left it instead of reading its recent past again."""
    ChannelPull = apps.get_model("analytics", "ChannelPull")
    InboxPull = apps.get_model("inbox", "InboxPull")
    now = timezone.now()
    InboxPull.objects.bulk_create(
        [InboxPull(channel_id=channel_id, cursor=cursor, next_at=now)
         for channel_id, cursor in ChannelPull.objects.values_list("channel_id", "cursor")],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_script_sales_rollup_seen"),
        ("inbox", "0003_search"),
    ]

    operations = [
        migrations.RunPython(move_cursors, migrations.RunPython.noop),
        migrations.RemoveField(model_name="channelpull", name="cursor"),
    ]
