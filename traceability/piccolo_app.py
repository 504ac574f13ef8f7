import os

from piccolo.conf.apps import AppConfig, table_finder

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="traceability",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["traceability.tables"], exclude_imported=True),
    migration_dependencies=["agrimarket.piccolo_app"],
    commands=[],
)
# This app's part of the demo, run in order by `piccolo agrimarket seed_demo` (agrimarket.demo.seed), named
# ``module:function`` so that no process opening the database imports the demos' libraries.
DEMO_SEEDERS = ("traceability.demo_areas:seed", "traceability.demo_stamps:seed")
