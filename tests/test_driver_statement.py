"""A DriverStatement runs a prebuilt Core statement on the driver's cursor and answers what
SQLAlchemy's own execute would: the same rows and types, the same exceptions, the same events."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import sqlalchemy as sa
from sqlalchemy import event, orm

from pointsmart.counter.goods import create_product
from pointsmart.counter.models import Product, StockMove
from pointsmart.database import DriverStatement, session_connection, utcnow
from pointsmart.extensions import db
from pointsmart.ledger import service as ledger
from pointsmart.ledger.models import IdempotencyRecord, Transfer
from tests.factories import ROOT

PRODUCT_BY_SHOP = (
    sa.select(Product.id, Product.name, Product.active, Product.stock, Product.created_at)
    .where(Product.shop_id == sa.bindparam("shop_id"))
    .order_by(Product.id)
)
TRANSFERS_OF = (
    sa.select(Transfer.id, Transfer.quantity, Transfer.created_at, Transfer.reverses_id)
    .where(Transfer.household_id == sa.bindparam("household_id"))
    .order_by(Transfer.id)
)


@pytest.fixture
def shop_with_goods(make):
    shop = make.shop(make.village())
    create_product(ROOT, shop.id, name="香皂", points_price=20, stock=10)
    soap_retired = create_product(ROOT, shop.id, name="旧香皂", points_price=5, stock=0)
    soap_retired.active = False
    db.session.flush()
    return shop


def test_rows_are_what_sqlalchemy_itself_returns(shop_with_goods):
    connection = db.session.connection()
    params = {"shop_id": shop_with_goods.id}

    driver_rows = DriverStatement(PRODUCT_BY_SHOP).rows(connection, params)

    assert driver_rows == [tuple(row) for row in connection.execute(PRODUCT_BY_SHOP, params)]
    first, retired = driver_rows
    assert (first.name, first.active, retired.active) == ("香皂", True, False)
    assert first.active is True  # a boolean, not SQLite's 1
    assert first.created_at.tzinfo is dt.UTC


def test_decimals_and_timestamps_keep_their_types(make):
    village = make.village()
    household = make.household(village)
    award = ledger.award(village.id, household.id, 5, category="volunteer", quantity=Decimal("2.5"))
    ledger.reverse(award.id, reason="录错了")
    connection = db.session.connection()

    rows = DriverStatement(TRANSFERS_OF).rows(connection, {"household_id": household.id})

    assert rows == [
        tuple(row) for row in connection.execute(TRANSFERS_OF, {"household_id": household.id})
    ]
    assert rows[0].quantity == Decimal("2.50")
    assert isinstance(rows[0].quantity, Decimal)
    assert rows[1].reverses_id == award.id


def test_a_fixed_value_in_the_statement_is_sent_with_the_callers(shop_with_goods):
    statement = DriverStatement(
        sa.select(sa.func.count())
        .select_from(Product)
        .where(
            Product.shop_id == sa.bindparam("shop_id"), Product.active.is_(True), Product.stock > 5
        )
    )

    assert statement.scalar(db.session.connection(), {"shop_id": shop_with_goods.id}) == 1


def test_an_insert_writes_the_columns_it_is_given_and_returns_its_key(shop_with_goods):
    product = (
        db.session.execute(
            sa.select(Product).where(Product.shop_id == shop_with_goods.id).order_by(Product.id)
        )
        .scalars()
        .first()
    )
    insert = DriverStatement(StockMove.__table__.insert().returning(StockMove.__table__.c.id))
    now = utcnow()
    connection = db.session.connection()

    move_id = insert.scalar(
        connection,
        {"product_id": product.id, "kind": "in", "delta": 3, "stock_after": 13, "created_at": now},
    )

    move = db.session.get(StockMove, move_id)
    assert (move.kind, move.delta, move.memo, move.redemption_id) == ("in", 3, None, None)
    assert move.created_at == now


def test_execute_many_runs_every_parameter_set(shop_with_goods):
    products = DriverStatement(PRODUCT_BY_SHOP).rows(
        db.session.connection(), {"shop_id": shop_with_goods.id}
    )
    set_stock = DriverStatement(
        Product.__table__.update()
        .where(Product.__table__.c.id == sa.bindparam("product_id"))
        .values(stock=sa.bindparam("stock"))
    )

    set_stock.execute_many(
        db.session.connection(),
        [{"product_id": p.id, "stock": 100 + n} for n, p in enumerate(products)],
    )

    stocks = db.session.execute(
        sa.select(Product.stock).where(Product.shop_id == shop_with_goods.id).order_by(Product.id)
    ).scalars()
    assert list(stocks) == [100, 101]


def test_a_driver_error_is_raised_as_sqlalchemys_exception(shop_with_goods):
    insert = DriverStatement(Product.__table__.insert())
    row = {
        "shop_id": shop_with_goods.id,
        "name": "香皂",  # the shop sells 香皂 already: unique (shop_id, name)
        "points_price": 1,
        "stock": 0,
        "low_stock_at": 0,
        "active": True,
        "created_at": utcnow(),
    }

    with pytest.raises(sa.exc.IntegrityError) as raised, db.session.begin_nested():
        insert.execute(db.session.connection(), row)

    assert "香皂" not in str(raised.value.statement)
    assert raised.value.orig is not None


def test_listeners_hear_every_statement(shop_with_goods):
    connection = db.session.connection()
    heard = []

    def record(conn, cursor, statement, parameters, context, executemany):
        heard.append((" ".join(statement.split())[:22], executemany))

    event.listen(connection, "before_cursor_execute", record)
    try:
        DriverStatement(PRODUCT_BY_SHOP).rows(connection, {"shop_id": shop_with_goods.id})
        DriverStatement(
            Product.__table__.update()
            .where(Product.__table__.c.id == sa.bindparam("product_id"))
            .values(stock=sa.bindparam("stock"))
        ).execute_many(connection, [{"product_id": 0, "stock": 1}])
    finally:
        event.remove(connection, "before_cursor_execute", record)

    assert heard == [("SELECT products.id, pr", False), ("UPDATE products SET st", True)]


def test_a_missing_parameter_is_an_error_not_a_null(shop_with_goods):
    with pytest.raises(sa.exc.StatementError, match="shop_id"):
        DriverStatement(PRODUCT_BY_SHOP).rows(db.session.connection(), {})


@pytest.mark.parametrize("count", [1, 2, 5])
def test_an_expanding_parameter_compiles_once_per_length(shop_with_goods, count):
    statement = sa.select(Product.id, Product.name).where(
        Product.id.in_(sa.bindparam("ids", expanding=True)), Product.stock >= 0
    )
    ids = db.session.execute(sa.select(Product.id).order_by(Product.id)).scalars().all()
    wanted = {"ids": (ids * count)[:count]}
    connection = db.session.connection()

    rows = DriverStatement(statement.order_by(Product.id)).rows(connection, wanted)

    assert rows == [
        tuple(row) for row in connection.execute(statement.order_by(Product.id), wanted)
    ]
    assert {row.id for row in rows} == set(wanted["ids"])


def test_the_remembered_connection_is_the_sessions_own(shop_with_goods):
    assert session_connection(db.session) is db.session.connection()


def test_a_savepoint_rolls_back_what_was_written_through_the_remembered_connection(
    shop_with_goods,
):
    set_stock = DriverStatement(
        Product.__table__.update()
        .where(Product.__table__.c.shop_id == sa.bindparam("of_shop"))
        .values(stock=sa.bindparam("stock"))
    )
    session_connection(db.session)  # remembered in the outer transaction

    def a_request_that_fails():
        with db.session.begin_nested():
            set_stock.execute(
                session_connection(db.session), {"of_shop": shop_with_goods.id, "stock": 99}
            )
            raise LookupError("the request fails")

    with pytest.raises(LookupError):
        a_request_that_fails()

    stocks = DriverStatement(PRODUCT_BY_SHOP).rows(
        session_connection(db.session), {"shop_id": shop_with_goods.id}
    )
    assert [row.stock for row in stocks] == [10, 0]


def test_a_column_with_a_python_side_default_must_be_given(shop_with_goods):
    insert = DriverStatement(IdempotencyRecord.__table__.insert())  # created_at: default=utcnow

    with pytest.raises(TypeError, match="created_at"):
        insert.execute(
            db.session.connection(),
            {
                "scope": "user:1",
                "key": "k",
                "fingerprint": "f",
                "status_code": 0,
                "response_body": "",
            },
        )


def test_a_value_its_type_refuses_is_a_statement_error(shop_with_goods):
    insert = DriverStatement(StockMove.__table__.insert())
    naive = dt.datetime(2026, 12, 2, 8, 0)  # no time zone: the point of the test

    with pytest.raises(sa.exc.StatementError, match="naive"):
        insert.execute(
            db.session.connection(),
            {"product_id": 1, "kind": "in", "delta": 1, "stock_after": 1, "created_at": naive},
        )


def test_the_remembered_connection_outlives_a_flush(shop_with_goods):
    session_connection(db.session)
    db.session.add(
        StockMove(
            product_id=DriverStatement(PRODUCT_BY_SHOP)
            .rows(db.session.connection(), {"shop_id": shop_with_goods.id})[0]
            .id,
            kind="in",
            delta=1,
            stock_after=11,
            created_at=utcnow(),
        )
    )
    db.session.flush()

    assert session_connection(db.session) is db.session.connection()


def test_a_lost_connection_is_invalidated_so_the_rollback_after_it_works(app):
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("a server to lose the connection to is PostgreSQL's")
        engine = sa.create_engine(db.engine.url, pool_size=1)
    try:
        session = orm.Session(engine)
        connection = session_connection(session)
        backend = connection.exec_driver_sql("SELECT pg_backend_pid()").scalar()
        with engine.connect() as other:
            other.execute(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": backend})
            other.commit()

        with pytest.raises(sa.exc.OperationalError) as lost:
            DriverStatement(sa.select(sa.literal_column("1"))).rows(connection, {})

        assert lost.value.connection_invalidated
        session.rollback()
        assert session.execute(sa.select(sa.literal_column("2"))).scalar() == 2
        session.close()
    finally:
        engine.dispose()
