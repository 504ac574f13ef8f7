import os

from piccolo.conf.apps import AppConfig, table_finder

from traceability import demo_areas, demo_stamps

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="traceability",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["traceability.tables"], exclude_imported=True),
    migration_dependencies=["agrimarket.piccolo_app"],
    commands=[],
)
# This app's part of the demo, run in order by `piccolo agrimarket seed_demo` (agrimarket.demo.seed).
DEMO_SEEDERS = (demo_areas.seed, demo_stamps.seed)
