-- Scout: the retail analytics database of the seed system (MySQL / MariaDB edition).
-- The same schema as scout.sql (SQLite); the descriptions that scout.sql keeps in
-- `-- comments` are COMMENT '...' clauses here. The schema is the database itself.
-- Differences forced by the server:
--   * no partial indexes in MySQL/MariaDB, so ix_items_big_baskets
--     (ON TransactionItems (product_id) WHERE quantity >= 10) is left out;
--   * TIMESTAMP is spelled DATETIME (MySQL's TIMESTAMP is UTC-converted and range-limited);
--   * views cannot carry comments (neither can SQLite's);
--   * the server adds an index for each foreign key that has none (schema-sync does not list those).
-- Load with: mariadb scout < example-site/scout.mysql.sql

CREATE TABLE regions (
    region_id   INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY COMMENT 'Surrogate key.',
    region_code VARCHAR(8)  NOT NULL UNIQUE                 COMMENT 'Short code used in ETL file names, e.g. NCR.',
    name        VARCHAR(64) NOT NULL                        COMMENT 'Display name.'
) COMMENT = 'Sales regions that group stores for reporting.';

CREATE TABLE stores (
    store_id    INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY  COMMENT 'Surrogate key.',
    region_id   INTEGER NOT NULL                             COMMENT 'Region the store reports to.',
    store_code  VARCHAR(16) NOT NULL                         COMMENT 'Code printed on the device.',
    name        VARCHAR(128) NOT NULL                        COMMENT 'Trading name.',
    city        VARCHAR(64)                                  COMMENT 'City, free text.',
    opened_on   DATE                                         COMMENT 'First trading day.',
    is_active   BOOLEAN NOT NULL DEFAULT 1                   COMMENT '0 once the store closed.',
    CONSTRAINT uq_stores_code UNIQUE (store_code),
    FOREIGN KEY (region_id) REFERENCES regions (region_id)
) COMMENT = 'Physical stores where Scout devices collect transactions.';

CREATE TABLE brands (
    brand_id    INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY  COMMENT 'Surrogate key.',
    name        VARCHAR(128) NOT NULL UNIQUE                 COMMENT 'Brand name as printed.',
    company     VARCHAR(128)                                 COMMENT 'Owning company.',
    is_owned    BOOLEAN NOT NULL DEFAULT 0                   COMMENT '1 for the client''s own brands.'
) COMMENT = 'Brands of the products sold; owned brands are the client''s own.';

CREATE TABLE products (
    product_id  INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY  COMMENT 'Surrogate key.',
    brand_id    INTEGER NOT NULL                             COMMENT 'Brand of the product.',
    sku         VARCHAR(32) NOT NULL UNIQUE                  COMMENT 'Stock keeping unit.',
    name        VARCHAR(200) NOT NULL                        COMMENT 'Product name.',
    category    VARCHAR(64)                                  COMMENT 'Category, e.g. Snacks.',
    unit_price  DECIMAL(10,2) NOT NULL COMMENT 'List price in PHP.' CHECK (unit_price >= 0),
    FOREIGN KEY (brand_id) REFERENCES brands (brand_id)
) COMMENT = 'Sellable products (SKUs).';

CREATE TABLE customers (
    customer_id   INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY COMMENT 'Surrogate key.',
    customer_hash CHAR(64) NOT NULL UNIQUE                    COMMENT 'SHA-256 of the device-side customer id.',
    gender        VARCHAR(16)                                 COMMENT 'Inferred gender, if any.',
    age_bracket   VARCHAR(16)                                 COMMENT 'Inferred age bracket, e.g. 25-34.',
    first_seen    DATETIME NOT NULL                           COMMENT 'First transaction time.'
) COMMENT = 'Customers seen by Scout devices (pseudonymous).';

CREATE TABLE PayloadTransactions (
    payload_id            INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY COMMENT 'Surrogate key.',
    store_id              INTEGER NOT NULL               COMMENT 'Store that sent the payload.',
    device_id             VARCHAR(64) NOT NULL           COMMENT 'Sending device.',
    canonical_tx_id_norm  VARCHAR(64) NOT NULL           COMMENT 'Normalised canonical transaction id; flatten.py joins on it.',
    payload_json          TEXT NOT NULL                  COMMENT 'The payload as received.',
    received_at           DATETIME NOT NULL              COMMENT 'Arrival time (UTC).',
    CONSTRAINT uq_payload_tx UNIQUE (canonical_tx_id_norm),
    FOREIGN KEY (store_id) REFERENCES stores (store_id)
) COMMENT = 'Raw transaction payloads as received from devices, before flattening.';

CREATE TABLE SalesInteractions (
    interaction_id        INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY COMMENT 'Surrogate key.',
    canonical_tx_id_norm  VARCHAR(64) NOT NULL            COMMENT 'Normalised canonical transaction id; flatten.py joins on it.',
    store_id              INTEGER NOT NULL                COMMENT 'Store of the interaction.',
    customer_id           INTEGER                         COMMENT 'Customer, when recognised.',
    interaction_time      DATETIME NOT NULL               COMMENT 'Local time of the interaction.',
    total_amount          DECIMAL(12,2) NOT NULL DEFAULT 0 COMMENT 'Basket total in PHP.',
    CONSTRAINT ck_total_nonnegative CHECK (total_amount >= 0),
    FOREIGN KEY (canonical_tx_id_norm) REFERENCES PayloadTransactions (canonical_tx_id_norm),
    FOREIGN KEY (store_id) REFERENCES stores (store_id),
    FOREIGN KEY (customer_id) REFERENCES customers (customer_id),
    INDEX ix_sales_store_time (store_id, interaction_time),
    INDEX ix_sales_tx (canonical_tx_id_norm)
) COMMENT = 'One row per customer interaction at a store, flattened from payloads.';

CREATE TABLE TransactionItems (
    item_id        INTEGER NOT NULL AUTO_INCREMENT PRIMARY KEY COMMENT 'Surrogate key.',
    CanonicalTxID  VARCHAR(64) NOT NULL                 COMMENT 'Canonical transaction id of the basket; flatten.py joins on it.',
    product_id     INTEGER NOT NULL                     COMMENT 'Product sold.',
    quantity       INTEGER NOT NULL COMMENT 'Units sold.' CHECK (quantity > 0),
    unit_price     DECIMAL(10,2) NOT NULL               COMMENT 'Price paid per unit in PHP.',
    line_total     DECIMAL(12,2) GENERATED ALWAYS AS (quantity * unit_price) STORED COMMENT 'quantity x unit_price.',
    FOREIGN KEY (CanonicalTxID) REFERENCES PayloadTransactions (canonical_tx_id_norm),
    FOREIGN KEY (product_id) REFERENCES products (product_id),
    INDEX ix_items_tx (CanonicalTxID)
    -- ix_items_big_baskets (product_id) WHERE quantity >= 10: partial index, not possible here
) COMMENT = 'Line items of a transaction.';

CREATE VIEW v_daily_store_sales AS
SELECT s.store_id,
       s.name AS store_name,
       date(si.interaction_time) AS sales_date,
       count(*) AS interactions,
       sum(si.total_amount) AS revenue
FROM SalesInteractions AS si
JOIN stores AS s ON s.store_id = si.store_id
GROUP BY s.store_id, s.name, date(si.interaction_time);

CREATE VIEW v_brand_performance AS
SELECT b.brand_id,
       b.name AS brand_name,
       b.is_owned,
       sum(ti.quantity) AS units,
       sum(ti.line_total) AS revenue
FROM TransactionItems AS ti
JOIN products AS p ON p.product_id = ti.product_id
JOIN brands AS b ON b.brand_id = p.brand_id
GROUP BY b.brand_id, b.name, b.is_owned;

INSERT INTO regions (region_id, region_code, name) VALUES
    (1, 'NCR', 'National Capital Region'), (2, 'CAL', 'Calabarzon'), (3, 'CV', 'Central Visayas');
INSERT INTO stores (store_id, region_id, store_code, name, city, opened_on, is_active) VALUES
    (1, 1, 'NCR-001', 'Sari-Sari Quezon', 'Quezon City', '2023-02-01', 1),
    (2, 1, 'NCR-002', 'Sari-Sari Makati', 'Makati', '2023-05-15', 1),
    (3, 2, 'CAL-001', 'Tindahan Laguna', 'Santa Rosa', '2024-01-10', 1),
    (4, 3, 'CV-001', 'Cebu Corner', 'Cebu City', '2022-11-20', 0);
INSERT INTO brands (brand_id, name, company, is_owned) VALUES
    (1, 'Alaska', 'Alaska Milk Corp', 1), (2, 'Oishi', 'Liwayway', 0), (3, 'Del Monte', 'Del Monte Philippines', 1);
INSERT INTO products (product_id, brand_id, sku, name, category, unit_price) VALUES
    (1, 1, 'ALA-EVAP-370', 'Alaska Evaporada 370ml', 'Dairy', 38.50),
    (2, 2, 'OIS-PRAWN-60', 'Oishi Prawn Crackers 60g', 'Snacks', 15.00),
    (3, 3, 'DM-PINE-240', 'Del Monte Pineapple Juice 240ml', 'Beverages', 28.75);
INSERT INTO customers (customer_id, customer_hash, gender, age_bracket, first_seen) VALUES
    (1, 'a3f1c9d2e4b5a6978877665544332211aabbccddeeff00112233445566778899', 'female', '25-34', '2024-03-01 09:12:00'),
    (2, 'b4e2d0c3f5a6b7089988776655443322bbccddeeff0011223344556677889900', NULL, '35-44', '2024-03-02 17:40:00');
INSERT INTO PayloadTransactions (payload_id, store_id, device_id, canonical_tx_id_norm, payload_json, received_at) VALUES
    (1, 1, 'pi-ncr-001-a', 'tx-0001', '{"items": 2}', '2024-03-01 09:12:05'),
    (2, 2, 'pi-ncr-002-a', 'tx-0002', '{"items": 1}', '2024-03-02 17:40:09'),
    (3, 3, 'pi-cal-001-a', 'tx-0003', '{"items": 1}', '2024-03-03 11:02:44');
INSERT INTO SalesInteractions (interaction_id, canonical_tx_id_norm, store_id, customer_id, interaction_time, total_amount) VALUES
    (1, 'tx-0001', 1, 1, '2024-03-01 09:12:00', 92.00),
    (2, 'tx-0002', 2, 2, '2024-03-02 17:40:00', 28.75),
    (3, 'tx-0003', 3, NULL, '2024-03-03 11:02:40', 150.00);
INSERT INTO TransactionItems (item_id, CanonicalTxID, product_id, quantity, unit_price) VALUES
    (1, 'tx-0001', 1, 2, 38.50), (2, 'tx-0001', 2, 1, 15.00),
    (3, 'tx-0002', 3, 1, 28.75), (4, 'tx-0003', 2, 10, 15.00);
