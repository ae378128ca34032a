"""Extensions the domain apps rely on. pg_trgm is a trusted extension (PostgreSQL 13+),
so the database owner can create it without a superuser."""

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("tenants", "0002_rls")]
    operations = [TrigramExtension()]
