"""Seed the default early-warning rules (a frozen copy of zhili.insight.warnings.DEFAULT_RULES).
Existing rules (by code) are left as they are; removing the migration's rules is not undone."""

from django.db import migrations

RULES = [{'code': 'sign-soon',
  'name': '签收即将超时',
  'kind': 'deadline_soon',
  'level': 'yellow',
  'params': {'deadline': 'sign', 'hours_before': 2},
  'recipients': ['dept_handler', 'dept_head']},
 {'code': 'handle-soon',
  'name': '办理即将超期',
  'kind': 'deadline_soon',
  'level': 'yellow',
  'params': {'deadline': 'handle', 'hours_before': 24},
  'recipients': ['dept_handler', 'dept_head']},
 {'code': 'sign-overdue',
  'name': '签收超时',
  'kind': 'overdue',
  'level': 'orange',
  'params': {'deadline': 'sign', 'lookback_days': 30},
  'recipients': ['dept_handler', 'dept_head', 'centre_admin']},
 {'code': 'handle-overdue',
  'name': '办理超期',
  'kind': 'overdue',
  'level': 'red',
  'params': {'deadline': 'handle'},
  'recipients': ['dept_head', 'centre_admin']},
 {'code': 'repeat-filer',
  'name': '同一人反复来访',
  'kind': 'repeat_filer',
  'level': 'orange',
  'params': {'count': 3, 'days': 30},
  'recipients': ['centre_admin', 'street_staff']},
 {'code': 'cluster-grid',
  'name': '网格内同类诉求聚集',
  'kind': 'cluster',
  'level': 'orange',
  'params': {'count': 5, 'days': 7, 'scope': 'grid', 'level': 'root'},
  'recipients': ['centre_admin', 'street_staff', 'community_staff', 'grid_leader']},
 {'code': 'cluster-community',
  'name': '社区内同类诉求聚集',
  'kind': 'cluster',
  'level': 'orange',
  'params': {'count': 10, 'days': 7, 'scope': 'community', 'level': 'leaf'},
  'recipients': ['centre_admin', 'street_staff', 'community_staff']},
 {'code': 'category-spike',
  'name': '类别诉求异常增长',
  'kind': 'spike',
  'level': 'orange',
  'params': {'window_days': 28,
             'method': 'ewma',
             'z': 3.0,
             'alpha': 0.3,
             'min_count': 5,
             'every_minutes': 60},
  'recipients': ['centre_admin', 'leader', 'street_staff']},
 {'code': 'sensitive-words',
  'name': '敏感词预警',
  'kind': 'sensitive_words',
  'level': 'red',
  'params': {'words': ['集体上访', '讨薪', '跳楼', '自焚', '堵路', '拉横幅', '极端'], 'window_hours': 24},
  'recipients': ['centre_admin', 'leader', 'street_staff']},
 {'code': 'major-no-meeting',
  'name': '重大纠纷未召开联席会议',
  'kind': 'major_without_meeting',
  'level': 'red',
  'params': {'days': 3},
  'recipients': ['centre_admin', 'leader']},
 {'code': 'unit-on-time-falling',
  'name': '单位按期办结率下滑',
  'kind': 'unit_on_time_falling',
  'level': 'orange',
  'params': {'drop_points': 10, 'weeks': 4, 'min_completed': 10},
  'recipients': ['centre_admin', 'dept_head', 'leader']}]


def seed(apps, schema_editor):
    WarningRule = apps.get_model("insight", "WarningRule")
    have = set(WarningRule.objects.values_list("code", flat=True))
    WarningRule.objects.bulk_create([
        WarningRule(**r, source="默认规则 (zhili.insight.warnings.DEFAULT_RULES)") for r in RULES if r["code"] not in have
    ])


class Migration(migrations.Migration):

    dependencies = [
        ("insight", "0002_warningrule_report_warning"),
    ]

    operations = [
        migrations.RunPython(seed, migrations.RunPython.noop),
    ]
