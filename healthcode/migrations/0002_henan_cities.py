"""Henan's 17 prefecture-level cities and Jiyuan, with their GB/T 2260 codes.

Copied from the project's reference data (shared/data/henan_cities.csv) so that nothing
reads outside the project at run time.
"""

from django.db import migrations

HENAN_CITIES = (
    ("410100", "郑州市", "Zhengzhou"),
    ("410200", "开封市", "Kaifeng"),
    ("410300", "洛阳市", "Luoyang"),
    ("410400", "平顶山市", "Pingdingshan"),
    ("410500", "安阳市", "Anyang"),
    ("410600", "鹤壁市", "Hebi"),
    ("410700", "新乡市", "Xinxiang"),
    ("410800", "焦作市", "Jiaozuo"),
    ("410900", "濮阳市", "Puyang"),
    ("411000", "许昌市", "Xuchang"),
    ("411100", "漯河市", "Luohe"),
    ("411200", "三门峡市", "Sanmenxia"),
    ("411300", "南阳市", "Nanyang"),
    ("411400", "商丘市", "Shangqiu"),
    ("411500", "信阳市", "Xinyang"),
    ("411600", "周口市", "Zhoukou"),
    ("411700", "驻马店市", "Zhumadian"),
    ("419001", "济源市", "Jiyuan"),
)


def load(apps, schema_editor):
    City = apps.get_model("healthcode", "City")
    for code, name_zh, name_en in HENAN_CITIES:
        City.objects.update_or_create(
            code=code, defaults={"province": "henan", "name_zh": name_zh, "name_en": name_en}
        )


def unload(apps, schema_editor):
    apps.get_model("healthcode", "City").objects.filter(code__in=[c for c, _, _ in HENAN_CITIES]).delete()


class Migration(migrations.Migration):
    dependencies = [("healthcode", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
