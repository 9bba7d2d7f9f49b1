"""Django settings for huren.

All state of an installation lives under one data directory, ``HUREN_HOME``
(default ``./var`` beside the working directory's checkout, or ``~/.huren``):
the SQLite database, uploaded documents and received DICOM files. Set
``DATABASE_URL`` (e.g. ``postgres://postgres@127.0.0.1:5432/test``) to use PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

PACKAGE_DIR = Path(__file__).resolve().parent.parent


def _default_home() -> Path:
    return Path(os.environ.get("HUREN_HOME") or (Path.home() / ".huren")).expanduser().resolve()


def probe_writable(home: Path) -> None:
    """Make ``home`` and prove it writable (OSError if not). Each probe is a file of its own:
    ``huren serve``'s children start together and read these settings at the same moment."""
    import tempfile

    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=home, prefix=".huren-write-test-"):
        pass


def installation_secret(key_file: Path) -> str:
    """The installation's secret, made on first use and published whole (written to a file
    of its own, then linked into place), so processes starting together read one secret."""
    if not key_file.exists():
        import tempfile

        from django.core.management.utils import get_random_secret_key

        fd, tmp = tempfile.mkstemp(dir=key_file.parent, prefix=".secret-")  # made with mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(get_random_secret_key())
            os.link(tmp, key_file)
        except FileExistsError:
            pass  # another process published its secret first: that one is the secret
        finally:
            os.unlink(tmp)
    return key_file.read_text().strip()


HUREN_HOME = _default_home()
try:
    probe_writable(HUREN_HOME)
except OSError as _e:
    from django.core.exceptions import ImproperlyConfigured

    # every command (serve, migrate, analyze through Django) needs it: say which folder and why
    raise ImproperlyConfigured(
        f"数据目录 HUREN_HOME={HUREN_HOME} 无法创建或写入（{_e.strerror}）；请设置 HUREN_HOME 为可写的文件夹 / "
        f"the data folder HUREN_HOME={HUREN_HOME} cannot be made or written ({_e.strerror}); "
        f"set HUREN_HOME to a writable folder") from None

SECRET_KEY = os.environ.get("HUREN_SECRET_KEY") or ""
if not SECRET_KEY:
    # One secret per installation, kept in its data directory.
    SECRET_KEY = installation_secret(HUREN_HOME / "secret_key")

DEBUG = os.environ.get("HUREN_DEBUG", "0") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("HUREN_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_tasks_db",
    "huren.accounts",
    "huren.registry",
    "huren.evidence",
    "huren.assessment",
    "huren.recognition",
    # web interface and DICOM intake
    "huren.web",
    "huren.dicomnode",
    "huren.studies",
    "huren.reports",
    "huren.imagequality",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "huren.web.middleware.LocaleMiddleware",  # Chinese first; the language cookie switches
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "huren.accounts.audit.AuditUserMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "huren.site.urls"
WSGI_APPLICATION = "huren.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "huren.web.context.huren",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{HUREN_HOME / 'huren.sqlite3'}",
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update({"timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"})
    DATABASES["default"]["CONN_MAX_AGE"] = 0

# The hot statements (the recognition question and its log, API tokens) are prepared once per PostgreSQL
# connection; 0 behind a connection pooler that cannot keep prepared statements.
HUREN_DB_PREPARE = os.environ.get("HUREN_DB_PREPARE", "1").strip().lower() not in ("0", "false", "no", "off")

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = os.environ.get("HUREN_TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = HUREN_HOME / "static"
STATIC_ROOT.mkdir(exist_ok=True)  # whitenoise looks here at start-up, before collectstatic has run
MEDIA_ROOT = HUREN_HOME / "media"
DICOM_ROOT = HUREN_HOME / "dicom"
# The pictures with the ROIs of each analysis run (huren.dicomnode.pictures), drawn once per run.
HUREN_PICTURES_ROOT = HUREN_HOME / "pictures"

# Uploads: documents and DICOM files, refused above this size.
HUREN_MAX_UPLOAD_BYTES = int(os.environ.get("HUREN_MAX_UPLOAD_BYTES", 50 * 1024 * 1024))
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Login throttling: this many failed logins for one user name from one address lock it
# out from that address for this many seconds (huren.accounts.throttle).
AUTHENTICATION_BACKENDS = ["huren.accounts.throttle.ThrottledModelBackend"]
HUREN_LOGIN_MAX_FAILURES = int(os.environ.get("HUREN_LOGIN_MAX_FAILURES", 5))
HUREN_LOGIN_LOCK_SECONDS = int(os.environ.get("HUREN_LOGIN_LOCK_SECONDS", 15 * 60))

# The standard in force: a shipped catalog name or a .toml file (default: the Taiyuan trial standard).
HUREN_CATALOG = os.environ.get("HUREN_CATALOG") or None

# Verdicts: daily-log range criteria are judged over this many days up to the day of judgement.
HUREN_LOG_WINDOW_DAYS = int(os.environ.get("HUREN_LOG_WINDOW_DAYS", 30))
# A demo installation (``huren serve --demo`` sets it): only then does the login page show the demo logins.
HUREN_DEMO = os.environ.get("HUREN_DEMO") == "1"

LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "login"

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "huren.api.auth.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
    "EXCEPTION_HANDLER": "huren.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "huren API",
    "DESCRIPTION": "互认：医学影像检查结果互认资格评估 / mutual-recognition qualification of imaging devices",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and Redoc from the package's own static files: no CDN on hospital intranets.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "VerdictEnum": "huren.assessment.models.VERDICTS",
        "ModalityEnum": "huren.registry.models.MODALITIES",
        "IqEvaluationStatusEnum": "huren.imagequality.models.Evaluation.Status",
        "IqOutcomeEnum": "huren.imagequality.models.Evaluation.Outcome",
        "DecisionOutcomeEnum": "huren.assessment.models.Decision.Outcome",
    },
}

# Background jobs go through Django's Tasks API; the embedded default keeps the queue
# in the database. A city-scale deployment points this at another backend.
# E-mail (the daily digest): the file backend under HUREN_HOME in the demo; SMTP in production
# (HUREN_EMAIL_BACKEND=django.core.mail.backends.smtp.EmailBackend, HUREN_EMAIL_HOST, HUREN_EMAIL_PORT).
_MAIL_BACKEND = os.environ.get("HUREN_EMAIL_BACKEND", "django.core.mail.backends.filebased.EmailBackend")
MAILERS = {"default": {"BACKEND": _MAIL_BACKEND, "OPTIONS": (
    {"file_path": os.environ.get("HUREN_EMAIL_FILE_PATH", str(HUREN_HOME / "mail"))} if _MAIL_BACKEND.endswith("filebased.EmailBackend")
    else {"host": os.environ.get("HUREN_EMAIL_HOST", "localhost"), "port": int(os.environ.get("HUREN_EMAIL_PORT", "25"))}
    if _MAIL_BACKEND.endswith("smtp.EmailBackend") else {})}}
DEFAULT_FROM_EMAIL = os.environ.get("HUREN_FROM_EMAIL", "huren@localhost")

TASKS = {
    "default": {
        "BACKEND": os.environ.get("HUREN_TASKS_BACKEND", "django_tasks_db.DatabaseBackend"),
    }
}

# DICOM intake (Storage SCP)
# Patient names and IDs are stored only as HMAC keys (huren.studies.keys); this secret keys
# them (default: derived from SECRET_KEY). Servers of one city that must match each other's
# patient keys share it.
HUREN_PATIENT_KEY = os.environ.get("HUREN_PATIENT_KEY", "")
HUREN_DICOM_AE_TITLE = os.environ.get("HUREN_DICOM_AE_TITLE", "HUREN")
HUREN_DICOM_PORT = int(os.environ.get("HUREN_DICOM_PORT", 11112))
# A series is taken as complete when nothing has arrived for this long (seconds).
HUREN_DICOM_SERIES_QUIET_SECONDS = float(os.environ.get("HUREN_DICOM_SERIES_QUIET_SECONDS", 30))
# ``huren serve`` runs the background worker at this lower CPU priority (nice), so that
# analyses and evaluations give way to DICOM intake and the web pages; 0 keeps it equal.
HUREN_WORKER_NICE = int(os.environ.get("HUREN_WORKER_NICE", 10))

# Image quality of clinical studies (huren.imagequality): the automatic checks run in the
# background worker once a clinical study is quiet. HUREN_IQ_ENABLED=0 turns them off (intake
# and the phantom analysis go on); a failed run is retried HUREN_IQ_RETRIES times,
# HUREN_IQ_RETRY_SECONDS apart (doubling).
HUREN_IQ_ENABLED = os.environ.get("HUREN_IQ_ENABLED", "1").strip().lower() not in ("0", "false", "no", "off")
HUREN_IQ_RETRIES = int(os.environ.get("HUREN_IQ_RETRIES", 2))
HUREN_IQ_RETRY_SECONDS = float(os.environ.get("HUREN_IQ_RETRY_SECONDS", 60))

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("HUREN_LOG_LEVEL", "WARNING")},
    # pydicom logs a traceback for each decoder plugin that fails on a frame before it raises one
    # error naming them all; huren records that error as the reason (bilingual), so the worker's
    # log is not filled with tracebacks for one undecodable image.
    "loggers": {"pydicom.pixels.decoders.base": {"level": "CRITICAL"}},
}
