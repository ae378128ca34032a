"""Backup runs: one row per backup, export, verification or restore (a global,
platform-side table; the platform panel reads it, Celery tasks write it).

State machine: started -> completed | degraded | failed, and nothing after that.
`degraded` = finished, but at least one target did not get its copy. A run that
never left `started` (the worker died) is failed by `backup_runs_reconcile`.
"""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupRun(models.Model):
    class Kind(models.TextChoices):
        TENANT_EXPORT = "tenant_export", _("Shop export")
        TENANT_RESTORE = "tenant_restore", _("Shop restore")
        FULL = "full", _("Full cluster backup")
        DIFF = "diff", _("Differential cluster backup")
        INCR = "incr", _("Incremental cluster backup")
        VERIFY = "verify", _("Verification")
        DRILL = "drill", _("Restore drill")
        EXPIRE = "expire", _("Retention (expire)")
        DUMP = "dump", _("Portable database copy (pg_dump)")

    class State(models.TextChoices):
        STARTED = "started", _("Running")
        COMPLETED = "completed", _("Completed")
        DEGRADED = "degraded", _("Degraded")
        FAILED = "failed", _("Failed")

    class Mode(models.TextChoices):
        REPLACE = "replace", _("Replace")
        MERGE = "merge", _("Merge")

    FINISHED = (State.COMPLETED, State.DEGRADED, State.FAILED)

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    state = models.CharField(_("state"), max_length=12, choices=State.choices,
                             default=State.STARTED)
    # A reference only: this table is global (not under RLS), so its column is not
    # called tenant_id (that name marks tenant tables). Kept when the shop is purged,
    # with its slug copied for the history.
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("shop"),
                               db_column="shop_id")
    tenant_slug = models.CharField(_("shop"), max_length=80, blank=True)
    initiator = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                  null=True, blank=True, related_name="+",
                                  verbose_name=_("started by"))
    reason = models.CharField(_("reason"), max_length=300, blank=True)
    # Restores: which export, and how.
    source = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="restores", verbose_name=_("export"))
    mode = models.CharField(_("mode"), max_length=10, choices=Mode.choices, blank=True)

    started_at = models.DateTimeField(_("started"), auto_now_add=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    task_id = models.CharField(max_length=64, blank=True)

    file_name = models.CharField(_("file"), max_length=300, blank=True)
    size_bytes = models.BigIntegerField(_("size"), null=True, blank=True)
    raw_bytes = models.BigIntegerField(_("uncompressed size"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256"), max_length=64, blank=True)
    key_id = models.CharField(_("key"), max_length=80, blank=True)
    # {target name: {"state": "ok" | "failed", "location": ..., "error": ...}}
    targets = models.JSONField(_("targets"), default=dict, blank=True)
    # Anything else worth keeping: row counts, fingerprints, RPO/RTO of a drill.
    details = models.JSONField(default=dict, blank=True)
    error = models.TextField(_("error"), blank=True)

    class Meta:
        ordering = ["-started_at"]
        indexes = [models.Index(fields=["kind", "-started_at"]),
                   models.Index(fields=["state", "started_at"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state="started", finished_at__isnull=True)
                | models.Q(finished_at__isnull=False) & ~models.Q(state="started"),
                name="backuprun_finished_iff_not_started",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.tenant_slug} {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def duration(self):  # noqa: ANN201
        return (self.finished_at - self.started_at) if self.finished_at else None

    @property
    def compression_ratio(self) -> float | None:
        if self.raw_bytes and self.size_bytes:
            return round(self.raw_bytes / self.size_bytes, 2)
        return None

    @property
    def is_running(self) -> bool:
        return self.state == self.State.STARTED


class BackupAlert(models.Model):
    """Something about backups an operator must look at (a global, platform-side
    table). Raised by services and the periodic checks (backups/alerts.py), shown on
    every platform page while open and e-mailed to platform admins once when raised.

    One open alert per `key` (what it is about, e.g. "stale:full" or
    "failure:tenant_export:<shop id>"): raising it again counts and refreshes it.
    It is resolved when its condition clears (a later good run) or by an operator."""

    class Kind(models.TextChoices):
        FAILURE = "failure", _("Backup failed")
        TARGET_DOWN = "target_down", _("Backup target down")
        SIZE_DEVIATION = "size_deviation", _("Unusual backup size")
        ARCHIVE_FAILURE = "archive_failure", _("WAL archiving failed")
        STALE = "stale", _("Backup overdue")
        CORRUPT = "corrupt", _("Corrupted backup")
        DRILL_FAILED = "drill_failed", _("Restore drill failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    kind = models.CharField(_("type"), max_length=20, choices=Kind.choices)
    key = models.CharField(max_length=200)
    # Values for the message (rendered in the reader's language, backups/alerts.py).
    params = models.JSONField(default=dict, blank=True)
    run = models.ForeignKey(BackupRun, on_delete=models.SET_NULL, null=True, blank=True,
                            related_name="alerts", verbose_name=_("run"))
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.SET_NULL, null=True,
                               blank=True, related_name="+", verbose_name=_("shop"),
                               db_column="shop_id")
    raised_at = models.DateTimeField(_("raised"), auto_now_add=True)
    last_seen_at = models.DateTimeField(_("last seen"), auto_now_add=True)
    times = models.PositiveIntegerField(_("times"), default=1)
    emailed_at = models.DateTimeField(_("e-mailed"), null=True, blank=True)
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                                    null=True, blank=True, related_name="+",
                                    verbose_name=_("resolved by"))

    class Meta:
        ordering = ["-raised_at"]
        constraints = [
            models.UniqueConstraint(fields=["key"], condition=models.Q(resolved_at__isnull=True),
                                    name="backupalert_one_open_per_key"),
        ]
        indexes = [models.Index(fields=["resolved_at", "-raised_at"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.key})"

    @property
    def is_open(self) -> bool:
        return self.resolved_at is None


class BackupWatermark(models.Model):
    """Last values seen by the periodic checks (e.g. pg_stat_archiver.failed_count),
    so that only an increase raises an alert."""

    name = models.CharField(max_length=80, primary_key=True)
    value = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.name
