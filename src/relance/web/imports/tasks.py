"""The import page's background work (Django's task API; `relance worker` runs it)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.tasks import task

from relance.core.audit import Actor


@task()
def import_upload_process(upload_id: int, action: str, user_id: int | None) -> dict[str, object]:
    from relance.web.imports.services import upload_process

    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    actor = Actor.for_user(user) if user is not None else Actor.system("import")
    upload = upload_process(upload_id=upload_id, action=action, actor=actor)
    return {"status": upload.status, "errors": upload.error_count}
