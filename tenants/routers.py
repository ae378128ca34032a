class PlatformReaderRouter:
    """The `platform` alias is read-only and never migrated; it is chosen explicitly
    (`.using("platform")`) by platform views, never by default."""

    def db_for_read(self, model, **hints):  # noqa: ANN001, ANN201
        return None

    def db_for_write(self, model, **hints):  # noqa: ANN001, ANN201
        return "default"

    def allow_relation(self, obj1, obj2, **hints):  # noqa: ANN001, ANN201
        return True

    def allow_migrate(self, db, app_label, model_name=None, **hints):  # noqa: ANN001, ANN201
        return db == "default"
