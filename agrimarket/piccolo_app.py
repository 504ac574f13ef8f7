import os

from piccolo.conf.apps import AppConfig, table_finder

from agrimarket.cli import create_admin, create_officer, load_areas, seed_demo

CURRENT_DIRECTORY = os.path.dirname(os.path.abspath(__file__))

APP_CONFIG = AppConfig(
    app_name="agrimarket",
    migrations_folder_path=os.path.join(CURRENT_DIRECTORY, "piccolo_migrations"),
    table_classes=table_finder(modules=["agrimarket.tables"], exclude_imported=True),
    migration_dependencies=[],
    commands=[load_areas, create_officer, create_admin, seed_demo],
)
