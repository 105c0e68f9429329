package dev.stowage.engine.testing;

/**
 * The data the real-MariaDB tests back up: several schemas and storage engines, and the on-disk
 * shapes a copy can get wrong (partition files with {@code #P#}, encoded names such as {@code
 * my@002dapp/user@0020data.ibd}, FULLTEXT auxiliary tables, compressed row format, triggers, views,
 * grants), plus one InnoDB table of about 80 MB so that with an 8 MiB threshold and 4 MiB chunks
 * its {@code .ibd} is split into about twenty chunks.
 */
public final class SampleSchema {

  /** The table whose file is large enough to be chunked into many pieces. */
  public static final String BIG_TABLE_FILE = "shop/orders.ibd";

  /** Rows in the big table. */
  public static final int BIG_TABLE_ROWS = 350_000;

  private SampleSchema() {}

  /** Creates every schema and table and fills them; takes a few seconds. */
  public static void load(MariaDbServer server) {
    server.sql(LOAD);
  }

  // The Sequence engine's seq_1_to_N tables need a current database, hence USE before each load.
  private static final String LOAD =
      """
      CREATE DATABASE shop;
      USE shop;
      CREATE TABLE orders (
        id BIGINT NOT NULL PRIMARY KEY,
        customer_id INT NOT NULL,
        placed DATETIME NOT NULL,
        status ENUM('new','paid','shipped','returned') NOT NULL,
        amount DECIMAL(12,2) NOT NULL,
        note VARCHAR(255),
        KEY by_customer (customer_id, placed)
      ) ENGINE=InnoDB;
      INSERT INTO orders
        SELECT seq, seq % 5003, TIMESTAMP '2024-01-01 00:00:00' + INTERVAL (seq * 37) SECOND,
               ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'), (seq * 7919 % 1000003) / 100,
               CONCAT(MD5(seq), ' ', REPEAT(CHAR(97 + seq % 26), seq % 120))
        FROM seq_1_to_350000;
      CREATE TABLE customers (
        id INT NOT NULL PRIMARY KEY,
        name VARCHAR(100) NOT NULL,
        city VARCHAR(50) NOT NULL,
        born DATE,
        UNIQUE KEY by_name (name)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
      INSERT INTO customers
        SELECT seq, CONCAT(ELT(1 + seq % 5, 'Zoë', 'Łukasz', '山田', 'Émile', 'Søren'), ' #', seq),
               ELT(1 + seq % 4, 'Lisboa', 'Kraków', 'Ōsaka', 'Zürich'),
               DATE '1950-01-01' + INTERVAL (seq % 20000) DAY
        FROM seq_1_to_5003;
      CREATE TABLE order_lines (
        id BIGINT NOT NULL PRIMARY KEY,
        order_id BIGINT NOT NULL,
        sku CHAR(12) NOT NULL,
        qty SMALLINT NOT NULL
      ) ENGINE=InnoDB PARTITION BY HASH (id) PARTITIONS 4;
      INSERT INTO order_lines
        SELECT seq, seq DIV 3 + 1, LPAD(HEX(seq * 31), 12, '0'), 1 + seq % 9 FROM seq_1_to_60000;
      CREATE TABLE docs (
        id INT NOT NULL AUTO_INCREMENT PRIMARY KEY,
        title VARCHAR(200) NOT NULL,
        body MEDIUMTEXT NOT NULL,
        FULLTEXT KEY ft_body (body)
      ) ENGINE=InnoDB ROW_FORMAT=COMPRESSED KEY_BLOCK_SIZE=8;
      INSERT INTO docs (title, body)
        SELECT CONCAT('doc ', seq),
               REPEAT(CONCAT('lorem ipsum dolor ', seq, ' sit amet '), 50 + seq % 200)
        FROM seq_1_to_2000;
      CREATE TABLE empty_table (id INT PRIMARY KEY, v BLOB) ENGINE=InnoDB;
      CREATE VIEW paid_orders AS SELECT id, amount FROM orders WHERE status = 'paid';
      CREATE TRIGGER orders_bi BEFORE INSERT ON orders
        FOR EACH ROW SET NEW.note = COALESCE(NEW.note, '');
      CREATE DATABASE logs;
      USE logs;
      CREATE TABLE events (id INT NOT NULL PRIMARY KEY, at DATETIME NOT NULL, msg TEXT) ENGINE=Aria;
      INSERT INTO events
        SELECT seq, TIMESTAMP '2024-06-01 00:00:00' + INTERVAL seq MINUTE,
               CONCAT('event ', SHA1(seq))
        FROM seq_1_to_30000;
      CREATE TABLE archive (id INT NOT NULL PRIMARY KEY, payload VARBINARY(512)) ENGINE=MyISAM;
      INSERT INTO archive SELECT seq, UNHEX(SHA2(seq, 256)) FROM seq_1_to_20000;
      CREATE TABLE audit_csv (id INT NOT NULL, what VARCHAR(40) NOT NULL) ENGINE=CSV;
      INSERT INTO audit_csv SELECT seq, CONCAT('audit-', seq) FROM seq_1_to_500;
      CREATE DATABASE `my-app`;
      USE `my-app`;
      CREATE TABLE `user data` (id INT PRIMARY KEY, `e-mail` VARCHAR(80)) ENGINE=InnoDB;
      INSERT INTO `user data` SELECT seq, CONCAT('user', seq, '@example.org') FROM seq_1_to_1000;
      CREATE USER 'app'@'localhost' IDENTIFIED BY 'app-secret';
      GRANT SELECT ON shop.* TO 'app'@'localhost';
      """;
}
