"""Celery tasks of the backups app. They take run ids (the BackupRun row is created
first, so the page shows the job at once), are idempotent (a finished run is left
alone) and acknowledge late (a dead worker's task is handed back)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from . import pgbackrest, services
from .models import BackupRun
from .targets import targets_configured


def _run(run_id: str) -> BackupRun | None:
    return BackupRun.objects.select_related("tenant", "source").filter(pk=run_id).first()


@shared_task(name="backups.tenant_export", acks_late=True)
def tenant_export(run_id: str) -> str:
    run = _run(run_id)
    if run is None:
        return "missing"
    return services.tenant_export_run(run=run).state


@shared_task(name="backups.tenant_restore", acks_late=True)
def tenant_restore(run_id: str) -> str:
    run = _run(run_id)
    if run is None:
        return "missing"
    if run.source_id is None and "target_time" in (run.details or {}):
        from .pitr import tenant_pitr_run  # one shop to a point in time

        return tenant_pitr_run(run=run).state
    return services.tenant_restore_run(
        run=run, target_name=(run.details or {}).get("target_name")).state


@shared_task(name="backups.cluster_backup", acks_late=True)
def cluster_backup(run_id: str) -> str:
    """Back up the cluster into every pgBackRest repository (repo1 local, repo2/repo3
    S3-compatible when configured). Each repository is a target of the run: all good
    -> completed; some -> degraded (target_down alert); none -> failed."""
    run = _run(run_id)
    if run is None or not run.is_running:
        return "missing" if run is None else run.state
    try:
        services.backup_progress_set(run, 5, "backup")
        repos = pgbackrest.repos()
        results: dict[int, object] = {}
        for i, repo in enumerate(repos):
            services.backup_progress_set(run, 5 + 90 * i // len(repos), f"backup repo{repo}")
            try:
                results[repo] = pgbackrest.cluster_backup(run.kind, repo=repo)
            except pgbackrest.PgBackRestError as exc:
                results[repo] = exc
    except Exception as exc:  # noqa: BLE001 - recorded on the run
        return services.backup_run_finish(run=run, state=BackupRun.State.FAILED,
                                          error=str(exc)).state
    targets: dict[str, dict] = {}
    good: list[dict] = []
    for repo, result in results.items():
        if isinstance(result, dict):
            good.append(result)
            targets[f"repo{repo}"] = {
                "state": "ok", "location": result["label"], "type": result["type"],
                "size": result["info"]["repository"]["delta"]}
        else:
            targets[f"repo{repo}"] = {"state": "failed", "error": str(result)[-1000:]}
    if not good:
        return services.backup_run_finish(
            run=run, state=BackupRun.State.FAILED, targets=targets,
            error="; ".join(f"{n}: {t['error'][-300:]}" for n, t in targets.items())).state
    info = good[0]  # the first repository that got its copy (repo1 when it did)
    failed = [n for n, t in targets.items() if t["state"] != "ok"]
    return services.backup_run_finish(
        run=run, state=BackupRun.State.DEGRADED if failed else BackupRun.State.COMPLETED,
        file_name=info["label"],
        size_bytes=info["info"]["repository"]["delta"], raw_bytes=info["info"]["delta"],
        targets=targets,
        error="; ".join(f"{n}: {targets[n]['error'][-300:]}" for n in failed),
        details={"type": info["type"], "archive": info.get("archive"),
                 "lsn": info.get("lsn")},
    ).state


@shared_task(name="backups.cluster_backup_scheduled", acks_late=True)
def cluster_backup_scheduled(kind: str) -> str:
    run = services.backup_run_start(kind=kind, reason="schedule")
    return cluster_backup(str(run.pk))


@shared_task(name="backups.tenant_exports_all", acks_late=True)
def tenant_exports_all() -> int:
    """Daily: one export run per active shop, each its own task."""
    from tenants.models import Tenant

    n = 0
    for tenant in Tenant.objects.filter(status=Tenant.Status.ACTIVE).iterator():
        run = services.backup_run_start(kind=BackupRun.Kind.TENANT_EXPORT, tenant=tenant,
                                        reason="schedule")
        tenant_export.delay(str(run.pk))
        n += 1
    return n


@shared_task(name="backups.reconcile", acks_late=True)
def reconcile() -> int:
    return backup_runs_reconcile()


def backup_runs_reconcile(*, stale_after: int | None = None) -> int:
    """Fail runs left `started` by a dead worker (older than BACKUP_STALE_AFTER) and
    remove what they left unfinished at the targets: aborted multipart uploads and
    partial local files (nothing of theirs was ever visible under a final name).
    Returns how many runs were failed."""
    stale_after = settings.BACKUP_STALE_AFTER if stale_after is None else stale_after
    cutoff = timezone.now() - timedelta(seconds=stale_after)
    stale = list(BackupRun.objects.filter(state=BackupRun.State.STARTED,
                                          started_at__lte=cutoff))
    for run in stale:
        services.backup_run_finish(run=run, state=BackupRun.State.FAILED,
                                   error="The worker stopped before the run finished.")
    for target in targets_configured():
        try:
            target.unfinished_cleanup(older_than=timedelta(seconds=stale_after))
        except Exception:  # noqa: BLE001 - a target down now: the next run retries
            pass
    return len(stale)


@shared_task(name="backups.watch", acks_late=True)
def watch() -> dict[str, int]:
    """Every few minutes: WAL archiver failures and overdue backups (backups/alerts.py)."""
    from .alerts import alerts_check

    return alerts_check()


@shared_task(name="backups.verify", acks_late=True)
def verify() -> str:
    """Hourly: pgbackrest verify (read from its output) and SHA-256 of export copies."""
    from .verify import backup_verify_run

    run = services.backup_run_start(kind=BackupRun.Kind.VERIFY, reason="schedule")
    return backup_verify_run(run=run).state


@shared_task(name="backups.drill", acks_late=True)
def drill() -> str:
    """Monthly: restore the cluster to a side directory, record RTO and RPO."""
    from .drills import backup_drill_run

    if not pgbackrest.enabled():
        return "disabled"
    run = services.backup_run_start(kind=BackupRun.Kind.DRILL, reason="schedule")
    return backup_drill_run(run=run).state


@shared_task(name="backups.expire", acks_late=True)
def expire() -> str:
    """Daily: shop export copies past their retention at every target (a run of its
    own: backups/retention.py), then pgbackrest expire by the repository's retention."""
    from .drills import backup_expire_run
    from .retention import export_retention_run

    export_retention_run(run=services.backup_run_start(kind=BackupRun.Kind.EXPIRE,
                                                       reason="schedule: export copies"))
    if not pgbackrest.enabled():
        return "disabled"
    run = services.backup_run_start(kind=BackupRun.Kind.EXPIRE, reason="schedule")
    return backup_expire_run(run=run).state


@shared_task(name="backups.cluster_dump", acks_late=True)
def cluster_dump(run_id: str | None = None) -> str:
    """Daily: the whole database by pg_dump, zstd and encrypted, on every target (the
    portable secondary copy beside pgBackRest's; backups/dumps.py). Without a run id
    (the schedule) it records its own run; the backups page starts one first."""
    from .dumps import cluster_dump_run

    if run_id is None:
        run = services.backup_run_start(kind=BackupRun.Kind.DUMP, reason="schedule")
    else:
        run = _run(run_id)
        if run is None or run.kind != BackupRun.Kind.DUMP:
            return "missing"
    return cluster_dump_run(run=run).state
