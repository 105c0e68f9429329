package dev.stowage.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * The database the operator E2E classes back up: three tables (InnoDB and Aria) in {@code shop},
 * and what is compared before and after a restore.
 */
final class ShopData {

  /**
   * What is compared before and after: rows, sums, and CHECKSUM TABLE of every table outside the
   * system schemas.
   */
  static final String READ =
      """
            USE shop;
            SELECT id, name FROM customers ORDER BY id;
            SELECT COUNT(*), SUM(id), SUM(price), MAX(label) FROM items;
            SELECT id, body FROM notes ORDER BY id;
            SELECT GROUP_CONCAT(CONCAT('`', table_schema, '`.`', table_name, '`') ORDER BY table_schema, table_name) INTO @tables
              FROM information_schema.tables WHERE table_type = 'BASE TABLE'
              AND table_schema NOT IN ('mysql', 'information_schema', 'performance_schema', 'sys');
            SET @checksum = CONCAT('CHECKSUM TABLE ', @tables, ' EXTENDED');
            PREPARE checksum FROM @checksum;
            EXECUTE checksum;
            """;

  private ShopData() {}

  /**
   * Writes the three tables through the Service {@code host}, plus {@code blobRows} rows of 1 KiB
   * of hex text; returns what {@link #READ} gives.
   */
  static String write(MariaDb db, String host, int blobRows) {
    StringBuilder write =
        new StringBuilder(
            """
                CREATE DATABASE shop;
                USE shop;
                CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(64) NOT NULL) ENGINE=InnoDB;
                INSERT INTO customers VALUES (1, 'ada'), (2, 'grace'), (3, 'linus');
                CREATE TABLE items (id INT PRIMARY KEY, label VARCHAR(64) NOT NULL, price DECIMAL(10,2)) ENGINE=InnoDB;
                INSERT INTO items SELECT seq, CONCAT('item-', seq), seq * 1.25 FROM seq_1_to_5000;
                CREATE TABLE notes (id INT AUTO_INCREMENT PRIMARY KEY, body TEXT) ENGINE=Aria;
                INSERT INTO notes (body) VALUES ('backed up by stowage'), ('restored by stowage');
                """);
    if (blobRows > 0) {
      write
          .append("CREATE TABLE blobs (id INT PRIMARY KEY, body TEXT NOT NULL) ENGINE=InnoDB;\n")
          .append("INSERT INTO blobs SELECT seq, CONCAT(")
          .append(
              IntStream.range(0, 8)
                  .mapToObj(i -> "SHA2(seq * 8 + " + i + ", 512)")
                  .collect(Collectors.joining(", ")))
          .append(") FROM seq_1_to_")
          .append(blobRows)
          .append(";\n");
    }
    db.sql("write", host, write.toString());
    String expected = db.sql("read", host, READ);
    assertThat(expected)
        .contains(
            "ada",
            "grace",
            "linus",
            "5000",
            "restored by stowage",
            "shop.customers\t",
            "shop.items\t",
            "shop.notes\t");
    return expected;
  }
}
