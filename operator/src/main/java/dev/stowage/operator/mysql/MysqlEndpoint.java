package dev.stowage.operator.mysql;

/**
 * Where and as whom to connect: the keys of a connection Secret. Never printed with its password.
 */
public record MysqlEndpoint(String host, int port, String user, String password) {
  @Override
  public String toString() {
    return user + "@" + host + ":" + port;
  }
}
