import os

from piccolo.conf.apps import AppConfig, table_finder

from integrations.cli import worker

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="integrations",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["integrations.tables"], exclude_imported=True),
    migration_dependencies=["agrimarket.piccolo_app"],
    commands=[worker],
)
# This app's part of the demo, run in order by `piccolo agrimarket seed_demo` (agrimarket.demo.seed), named
# ``module:function`` so that no process opening the database imports the demos' libraries.
DEMO_SEEDERS = ("integrations.demo:seed", "integrations.demo_history:seed", "integrations.demo_orders:seed")
