"""settings_to_env is the inverse of settings_from_env."""

from __future__ import annotations

from market.settings import Settings, settings_from_env, settings_to_env

EVERY_FIELD_CHANGED = Settings(
    database_url="postgresql://market:secret@db.internal:5433/market",
    meili_url="http://search.internal:7700",
    meili_api_key="meili-key",
    meili_binary="/opt/meilisearch/bin/meilisearch",
    admin_token="admin-token",
    env="prod",
    state_dir="/var/lib/market",
    docs_ui_dir="/srv/swagger-ui",
    web_assets_dir="/srv/htmx",
    secret_key="form-signing-secret",
    index_prefix="staging",
    run_indexer=False,
    expiry_interval_seconds=12.5,
    pool_min_size=3,
    pool_max_size=30,
    max_body_bytes=2048,
    webhook_allow_loopback=True,
    webhook_timeout_seconds=2.5,
    webhook_retry_scale=0.01,
    introduction_daily_budget=3,
    introduction_daily_budget_verified=4,
    introduction_messages_per_hour=5,
    smtp_url="smtps://mailer:secret@smtp.internal:465",
    mail_from="Market <market@example.kz>",
    send_mail=False,
    forwarded_allow_ips="10.0.0.1,10.0.1.0/24",
    limit_concurrency=7,
    keep_alive_seconds=2,
    rate_limit_enabled=False,
    rate_limit_key="10/second",
    rate_limit_anonymous="5/second",
    rate_limit_auth_failures="3/minute",
    failpoint="indexer_after_task_succeeded",
    log_level="DEBUG",
    log_format="console",
)


def test_every_field_of_the_example_differs_from_its_default() -> None:
    defaults = Settings()
    same = [f for f in Settings.__struct_fields__ if getattr(EVERY_FIELD_CHANGED, f) == getattr(defaults, f)]
    assert same == []


def test_changed_settings_come_back_from_their_environment() -> None:
    assert settings_from_env(settings_to_env(EVERY_FIELD_CHANGED)) == EVERY_FIELD_CHANGED


def test_the_defaults_come_back_from_their_environment() -> None:
    assert settings_to_env(Settings()) == {}
    assert settings_from_env(settings_to_env(Settings())) == Settings()


def test_overrides_change_fields_and_service_urls_keep_their_plain_names() -> None:
    env = settings_to_env(Settings(database_url="postgresql:///m"), env="prod", run_indexer=False)
    assert env == {"DATABASE_URL": "postgresql:///m", "MARKET_ENV": "prod", "MARKET_RUN_INDEXER": "false"}
