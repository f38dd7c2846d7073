from setuptools import find_packages, setup

requires = [
    "pyramid>=2.0",
    "pyramid_jinja2",
    "pyramid_tm",
    "pyramid_retry",
    "pyramid_services",
    "pyramid_mailer",
    "transaction",
    "zope.sqlalchemy",
    "SQLAlchemy>=2.0",
    "PyMySQL",
    "alembic",
    "deform>=2.0.15",
    "colander",
    "cryptography",
    "argon2-cffi",
    "python-barcode",
    "segno",
    "weasyprint",
    "pyserial",
    "Babel",
    "waitress",  # development server
    "gunicorn",  # production server: sync workers (DESIGN.md, "Measured")
    "zxcvbn",  # the common-password list
    "nh3",  # the content sanitiser (Ammonia's binding)
    "redis",  # the store shared by every node (rate limits, waiting room)
    "aiosmtpd",  # development mail sink (olympix mail-sink); tests use it too
]

testing = [
    "pytest",
    "WebTest",
    "playwright",
    "zxing-cpp",
    "pillow",
]

setup(
    name="olympix",
    version="0.1.0",
    description="The official ticket office of an Olympic Games",
    packages=find_packages(exclude=["tests", "tests.*"]),
    include_package_data=True,
    zip_safe=False,
    python_requires=">=3.11",
    install_requires=requires,
    extras_require={"testing": testing, "dev": ["pyramid_debugtoolbar"]},
    entry_points={
        "paste.app_factory": ["main = olympix:main"],
        "console_scripts": [
            "olympix = olympix.scripts.cli:main",
            "sandboxpay-serve = sandboxpay.server:main",
        ],
    },
)
