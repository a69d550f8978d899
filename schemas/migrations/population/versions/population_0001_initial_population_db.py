"""initial population db

Revision ID: population_0001
Revises:
Create Date: 2026-11-27 16:50:50.598883
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "population_0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "people",
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column("full_name", sa.String(length=255), nullable=False),
        sa.Column("name_key", sa.String(length=255), nullable=False),
        sa.Column("other_names", sa.String(length=255), nullable=True),
        sa.Column("date_of_birth", sa.String(length=10), nullable=True),
        sa.Column("birth_year", sa.Integer(), nullable=True),
        sa.Column(
            "sex", sa.Enum("M", "F", name="sex", native_enum=False, length=32), nullable=True
        ),
        sa.Column("place_of_birth", sa.Text(), nullable=True),
        sa.Column("place_of_birth_registration", sa.Text(), nullable=True),
        sa.Column("hometown", sa.Text(), nullable=True),
        sa.Column("ethnicity", sa.String(length=100), nullable=True),
        sa.Column("religion", sa.String(length=100), nullable=True),
        sa.Column("nationality", sa.String(length=100), nullable=True),
        sa.Column("old_id_number", sa.String(length=12), nullable=True),
        sa.Column("father_name", sa.String(length=255), nullable=True),
        sa.Column("father_id", sa.String(length=12), nullable=True),
        sa.Column("father_nationality", sa.String(length=100), nullable=True),
        sa.Column("mother_name", sa.String(length=255), nullable=True),
        sa.Column("mother_id", sa.String(length=12), nullable=True),
        sa.Column("mother_nationality", sa.String(length=100), nullable=True),
        sa.Column("spouse_name", sa.String(length=255), nullable=True),
        sa.Column("spouse_id", sa.String(length=12), nullable=True),
        sa.Column("spouse_nationality", sa.String(length=100), nullable=True),
        sa.Column("permanent_residence", sa.Text(), nullable=True),
        sa.Column("temporary_residence", sa.Text(), nullable=True),
        sa.Column("current_residence", sa.Text(), nullable=True),
        sa.Column("marital_status", sa.String(length=50), nullable=True),
        sa.Column("household_head_id", sa.String(length=12), nullable=True),
        sa.Column("relationship_to_head", sa.String(length=100), nullable=True),
        sa.Column("date_of_death", sa.String(length=10), nullable=True),
        sa.Column("extra", sa.JSON(), nullable=False),
        sa.Column("updated_seq", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("personal_id", name=op.f("pk_people")),
    )
    op.create_index(op.f("ix_people_birth_year"), "people", ["birth_year"], unique=False)
    op.create_index(op.f("ix_people_father_id"), "people", ["father_id"], unique=False)
    op.create_index(op.f("ix_people_mother_id"), "people", ["mother_id"], unique=False)
    op.create_index(op.f("ix_people_name_key"), "people", ["name_key"], unique=False)
    op.create_index(op.f("ix_people_spouse_id"), "people", ["spouse_id"], unique=False)
    op.create_index(op.f("ix_people_updated_seq"), "people", ["updated_seq"], unique=False)

    op.create_table(
        "person_changes",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("personal_id", sa.String(length=12), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "created",
                "updated",
                "link",
                "death",
                "correction",
                name="personchangekind",
                native_enum=False,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_person_changes")),
        sqlite_autoincrement=True,
    )
    op.create_index(
        op.f("ix_person_changes_personal_id"), "person_changes", ["personal_id"], unique=False
    )

    op.create_table(
        "received_changes",
        sa.Column("message_id", sa.String(length=128), nullable=False),
        sa.Column(
            "kind",
            sa.Enum("link", "death", "correction", name="changekind", native_enum=False, length=32),
            nullable=False,
        ),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_received_changes")),
    )


def downgrade() -> None:
    op.drop_table("received_changes")
    op.drop_index(op.f("ix_person_changes_personal_id"), table_name="person_changes")

    op.drop_table("person_changes")
    op.drop_index(op.f("ix_people_updated_seq"), table_name="people")
    op.drop_index(op.f("ix_people_spouse_id"), table_name="people")
    op.drop_index(op.f("ix_people_name_key"), table_name="people")
    op.drop_index(op.f("ix_people_mother_id"), table_name="people")
    op.drop_index(op.f("ix_people_father_id"), table_name="people")
    op.drop_index(op.f("ix_people_birth_year"), table_name="people")

    op.drop_table("people")
