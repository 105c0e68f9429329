package dev.stowage.engine.crypto;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.stowage.engine.testing.PiecewiseChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ReadableByteChannel;
import java.util.Arrays;
import java.util.Base64;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The sealed object format on its own: round trips, and every way of tampering refused. */
class ObjectCipherTest {
  static final byte[] KEY = new byte[32];

  static {
    new Random(7).nextBytes(KEY);
  }

  static final int SEG = 4096;
  static final ObjectPlace PLACE = new ObjectPlace("b1", "Data", "db/t.ibd", "3-1", 4096, 10_000);

  private static BackupEncryption enc() {
    var e = BackupEncryption.forNewBackup(KeyRing.of(KEY).primary(), null).info();
    e.segmentSize = SEG;
    return BackupEncryption.forExisting(KeyRing.of(KEY).primary(), e, "test");
  }

  static final BackupEncryption ENC = enc();

  private static byte[] seal(byte[] plain, ObjectPlace place) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ObjectCipher.Sealing s = ENC.newCipher().sealing(Channels.newChannel(out), place);
    // odd write sizes, as a compressor hands them on
    int pos = 0;
    Random r = new Random(3);
    while (pos < plain.length) {
      int n = Math.min(plain.length - pos, 1 + r.nextInt(3 * SEG));
      s.write(ByteBuffer.wrap(plain, pos, n));
      pos += n;
    }
    s.finish();
    return out.toByteArray();
  }

  /** Everything the opener hands on, or the exception; {@code handed} gets what came before. */
  private static byte[] open(byte[] sealed, ObjectPlace place, ByteArrayOutputStream handed)
      throws IOException {
    ReadableByteChannel in = Channels.newChannel(new java.io.ByteArrayInputStream(sealed));
    ObjectCipher.Opening o = ENC.newCipher().opening(in, place, false);
    ByteBuffer b = ByteBuffer.allocate(1000);
    while (o.read(b.clear()) >= 0) {
      handed.write(b.array(), 0, b.position());
    }
    o.finish();
    return handed.toByteArray();
  }

  private static byte[] open(byte[] sealed, ObjectPlace place) throws IOException {
    return open(sealed, place, new ByteArrayOutputStream());
  }

  private static byte[] data(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  @Test
  void roundTripOfEverySizeAroundTheSegmentSize() throws Exception {
    for (int n : new int[] {0, 1, SEG - 1, SEG, SEG + 1, 2 * SEG, 5 * SEG + 17}) {
      byte[] plain = data(n);
      byte[] sealed = seal(plain, PLACE);
      assertThat(sealed.length).as("size %d", n).isEqualTo(ObjectCipher.sealedSize(n, SEG));
      assertThat(open(sealed, PLACE)).as("size %d", n).isEqualTo(plain);
    }
  }

  /** Segments per read of sealed bytes from storage (the opener reads many at a time). */
  private static final int PER_BATCH = ObjectCipher.IO_BATCH / SEG;

  /** A channel over {@code bytes} that hands out 1 to 5,000 bytes per read, as a socket may. */
  private static ReadableByteChannel shortReads(byte[] bytes) {
    Random r = new Random(bytes.length);
    return new PiecewiseChannel(bytes, () -> 1 + r.nextInt(5000), false);
  }

  /**
   * Opens through short reads, straight into the cipher's array or (staged, as from a file) through
   * its direct buffer.
   */
  private static byte[] openThroughShortReads(
      byte[] sealed, ByteArrayOutputStream handed, boolean staged) throws IOException {
    ObjectCipher.Opening o = ENC.newCipher().opening(shortReads(sealed), PLACE, staged);
    ByteBuffer b = ByteBuffer.allocate(3 * SEG + 5);
    while (o.read(b.clear()) >= 0) {
      handed.write(b.array(), 0, b.position());
    }
    o.finish();
    return handed.toByteArray();
  }

  @Test
  void objectsLongerThanOneBatchRoundTripThroughShortReads() throws Exception {
    int batch = PER_BATCH * SEG;
    for (int n : new int[] {batch - 1, batch, batch + 1, batch + SEG, 3 * batch + 17}) {
      byte[] plain = data(n);
      byte[] sealed = seal(plain, PLACE);
      assertThat(sealed.length).as("size %d", n).isEqualTo(ObjectCipher.sealedSize(n, SEG));
      for (boolean staged : new boolean[] {false, true}) {
        assertThat(openThroughShortReads(sealed, new ByteArrayOutputStream(), staged))
            .as("size %d, staged %s", n, staged)
            .isEqualTo(plain);
      }
    }
  }

  @Test
  void aFlippedByteInALaterBatchHandsOnEverySegmentBeforeIt() throws Exception {
    byte[] plain = data(3 * PER_BATCH * SEG);
    byte[] sealed = seal(plain, PLACE);
    int bad = PER_BATCH + 3;
    sealed[ObjectCipher.HEADER_BYTES + bad * (SEG + ObjectCipher.TAG_BYTES) + 7] ^= 1;
    for (boolean staged : new boolean[] {false, true}) {
      ByteArrayOutputStream handed = new ByteArrayOutputStream();
      assertThatThrownBy(() -> openThroughShortReads(sealed, handed, staged))
          .isInstanceOf(ObjectAuthenticationException.class)
          .hasMessageContaining("segment " + bad + " ");
      assertThat(handed.toByteArray())
          .as("staged %s", staged)
          .isEqualTo(Arrays.copyOf(plain, bad * SEG));
    }
  }

  @Test
  void anObjectCutAtASegmentBoundaryInALaterBatchFails() throws Exception {
    byte[] sealed = seal(data(3 * PER_BATCH * SEG), PLACE);
    int kept = ObjectCipher.HEADER_BYTES + (PER_BATCH + 1) * (SEG + ObjectCipher.TAG_BYTES);
    for (boolean staged : new boolean[] {false, true}) {
      assertThatThrownBy(
              () ->
                  openThroughShortReads(
                      Arrays.copyOf(sealed, kept), new ByteArrayOutputStream(), staged))
          .isInstanceOf(ObjectAuthenticationException.class)
          .hasMessageContaining("the last");
    }
  }

  @Test
  void oneWorkersCipherSealsAndOpensObjectAfterObject() throws Exception {
    // A worker keeps one cipher and its buffers for every object it handles, big after small.
    ObjectCipher worker = ENC.newCipher();
    int[] sizes = {SEG + 5, 3 * SEG, 17, PER_BATCH * SEG + 1, 0, 2 * SEG - 1};
    byte[][] sealed = new byte[sizes.length][];
    for (int i = 0; i < sizes.length; i++) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      ObjectCipher.Sealing s = worker.sealing(Channels.newChannel(out), PLACE);
      s.write(ByteBuffer.wrap(data(sizes[i])));
      s.finish();
      sealed[i] = out.toByteArray();
    }
    for (int i = 0; i < sizes.length; i++) {
      ObjectCipher.Opening o =
          worker.opening(
              Channels.newChannel(new java.io.ByteArrayInputStream(sealed[i])),
              PLACE,
              i % 2
                  == 1); // staged and not in turn: the one direct buffer serves object after object
      ByteBuffer all = ByteBuffer.allocate(sizes[i] + 1);
      while (o.read(all) > 0) {}
      o.finish();
      assertThat(Arrays.copyOf(all.array(), all.position()))
          .as("object %d", i)
          .isEqualTo(data(sizes[i]));
    }
  }

  @Test
  void theSameBytesSealTwiceDifferently() throws Exception {
    byte[] plain = data(100);
    assertThat(seal(plain, PLACE)).isNotEqualTo(seal(plain, PLACE)); // a fresh nonce per object
  }

  @Test
  void aFlippedByteFailsItsSegmentAndNothingOfThatSegmentIsHandedOn() throws Exception {
    byte[] plain = data(3 * SEG);
    byte[] sealed = seal(plain, PLACE);
    int segment1 = ObjectCipher.HEADER_BYTES + SEG + ObjectCipher.TAG_BYTES;
    sealed[segment1 + 10] ^= 1;
    ByteArrayOutputStream handed = new ByteArrayOutputStream();
    assertThatThrownBy(() -> open(sealed, PLACE, handed))
        .isInstanceOf(ObjectAuthenticationException.class)
        .hasMessageContaining("segment 1")
        .hasMessageContaining("does not authenticate");
    assertThat(handed.toByteArray()).isEqualTo(Arrays.copyOf(plain, SEG)); // segment 0 only
  }

  @Test
  void aFlippedHeaderOrTagByteFails() throws Exception {
    byte[] sealed = seal(data(SEG / 2), PLACE);
    for (int at : new int[] {5, ObjectCipher.HEADER_BYTES - 1, sealed.length - 1}) {
      byte[] bad = sealed.clone();
      bad[at] ^= 0x40;
      assertThatThrownBy(() -> open(bad, PLACE))
          .as("byte %d", at)
          .isInstanceOf(ObjectAuthenticationException.class);
    }
  }

  @Test
  void anObjectMovedToAnotherPlaceFails() throws Exception {
    byte[] sealed = seal(data(SEG), PLACE);
    for (ObjectPlace other :
        new ObjectPlace[] {
          new ObjectPlace("b2", "Data", "db/t.ibd", "3-1", 4096, 10_000),
          new ObjectPlace("b1", "InnoDBData", "db/t.ibd", "3-1", 4096, 10_000),
          new ObjectPlace("b1", "Data", "db/u.ibd", "3-1", 4096, 10_000),
          new ObjectPlace("b1", "Data", "db/t.ibd", "3-2", 4096, 10_000),
          new ObjectPlace("b1", "Data", "db/t.ibd", "3-1", 8192, 10_000),
          new ObjectPlace("b1", "Data", "db/t.ibd", "3-1", 4096, 10_001)
        }) {
      assertThatThrownBy(() -> open(sealed, other))
          .as("%s", other)
          .isInstanceOf(ObjectAuthenticationException.class);
    }
  }

  @Test
  void reorderedSegmentsFail() throws Exception {
    byte[] sealed = seal(data(3 * SEG), PLACE);
    int h = ObjectCipher.HEADER_BYTES;
    int s = SEG + ObjectCipher.TAG_BYTES;
    byte[] swapped = sealed.clone();
    System.arraycopy(sealed, h, swapped, h + s, s);
    System.arraycopy(sealed, h + s, swapped, h, s);
    assertThatThrownBy(() -> open(swapped, PLACE))
        .isInstanceOf(ObjectAuthenticationException.class)
        .hasMessageContaining("segment 0");
  }

  @Test
  void anObjectCutAtASegmentBoundaryOrInsideOneFails() throws Exception {
    byte[] sealed = seal(data(3 * SEG + 5), PLACE);
    int h = ObjectCipher.HEADER_BYTES;
    int s = SEG + ObjectCipher.TAG_BYTES;
    for (int len : new int[] {h + 2 * s, h + s, h + s + 7, h + 3, h, 2, 0}) {
      byte[] cut = Arrays.copyOf(sealed, len);
      assertThatThrownBy(() -> open(cut, PLACE))
          .as("cut to %d", len)
          .isInstanceOf(ObjectAuthenticationException.class);
    }
  }

  @Test
  void bytesAppendedAfterTheLastSegmentFail() throws Exception {
    byte[] sealed = seal(data(SEG + 5), PLACE);
    byte[] longer = Arrays.copyOf(sealed, sealed.length + 1);
    assertThatThrownBy(() -> open(longer, PLACE)).isInstanceOf(ObjectAuthenticationException.class);
  }

  @Test
  void anUnencryptedObjectIsRefusedByItsHeader() {
    byte[] zstdMagic = {
      0x28, (byte) 0xb5, 0x2f, (byte) 0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
    };
    assertThatThrownBy(() -> open(zstdMagic, PLACE))
        .isInstanceOf(ObjectAuthenticationException.class)
        .hasMessageContaining("header");
  }

  @Test
  void anotherKeyCannotOpenAnObject() throws Exception {
    byte[] other = KEY.clone();
    other[0] ^= 1;
    var e = ENC.info();
    BackupEncryption wrong = BackupEncryption.forExisting(KeyRing.of(other).primary(), e, "test");
    byte[] sealed = seal(data(100), PLACE);
    ReadableByteChannel in = Channels.newChannel(new java.io.ByteArrayInputStream(sealed));
    ObjectCipher.Opening o = wrong.newCipher().opening(in, PLACE, false);
    assertThatThrownBy(() -> o.read(ByteBuffer.allocate(10)))
        .isInstanceOf(ObjectAuthenticationException.class);
  }

  @Test
  void keyIdsNameKeysWithoutRevealingThem() {
    KeyRing ring = KeyRing.of(KEY);
    String id = ring.primary().id();
    assertThat(id).matches("[0-9a-f]{16}");
    assertThat(KeyRing.of(KEY).primary().id()).isEqualTo(id); // stable
    String hex = java.util.HexFormat.of().formatHex(KEY);
    assertThat(hex).doesNotContain(id);
    assertThat(ring.primary().toString())
        .doesNotContain(hex)
        .doesNotContain(Base64.getEncoder().encodeToString(KEY));
  }

  /**
   * Objects were first sealed with the associated data in three calls (place, header, segment
   * tail); one call with the three together is the same GCM input. Both ways round, by a sealer and
   * an opener written here with the JDK's own AES-GCM, three segments.
   */
  @Test
  void theAssociatedDataInOneCallIsTheFormatObjectsWereFirstSealedWith() throws Exception {
    javax.crypto.SecretKey key = new javax.crypto.spec.SecretKeySpec(KEY, "AES");
    byte[] plain = data(2 * SEG + 123);
    byte[] nonce = new byte[ObjectCipher.NONCE_BYTES];
    new Random(11).nextBytes(nonce);
    ByteArrayOutputStream old = new ByteArrayOutputStream();
    byte[] header = new byte[ObjectCipher.HEADER_BYTES];
    System.arraycopy(ObjectCipher.MAGIC, 0, header, 0, 4);
    header[4] = ObjectCipher.VERSION;
    System.arraycopy(nonce, 0, header, 5, nonce.length);
    old.write(header);
    for (int i = 0; i * SEG < plain.length; i++) {
      boolean last = (i + 1) * SEG >= plain.length;
      javax.crypto.Cipher c =
          threeCallCipher(javax.crypto.Cipher.ENCRYPT_MODE, key, header, i, last);
      old.write(c.doFinal(plain, i * SEG, Math.min(SEG, plain.length - i * SEG)));
    }
    ObjectCipher cipher = new ObjectCipher(key, SEG);
    ByteBuffer got = ByteBuffer.allocate(plain.length + 1);
    ObjectCipher.Opening o =
        cipher.opening(
            Channels.newChannel(new java.io.ByteArrayInputStream(old.toByteArray())), PLACE, false);
    while (o.read(got) >= 0 && got.hasRemaining()) {}
    o.finish();
    assertThat(Arrays.copyOf(got.array(), got.position())).isEqualTo(plain);

    ByteArrayOutputStream sealedNow = new ByteArrayOutputStream();
    ObjectCipher.Sealing sealing = cipher.sealing(Channels.newChannel(sealedNow), PLACE);
    sealing.write(ByteBuffer.wrap(plain));
    sealing.finish();
    byte[] now = sealedNow.toByteArray();
    byte[] nowHeader = Arrays.copyOf(now, ObjectCipher.HEADER_BYTES);
    ByteArrayOutputStream opened = new ByteArrayOutputStream();
    int pos = ObjectCipher.HEADER_BYTES;
    for (int i = 0; pos < now.length; i++) {
      int len = Math.min(SEG + ObjectCipher.TAG_BYTES, now.length - pos);
      boolean last = pos + len == now.length;
      javax.crypto.Cipher c =
          threeCallCipher(javax.crypto.Cipher.DECRYPT_MODE, key, nowHeader, i, last);
      opened.write(c.doFinal(now, pos, len));
      pos += len;
    }
    assertThat(opened.toByteArray()).isEqualTo(plain);
  }

  private static javax.crypto.Cipher threeCallCipher(
      int mode, javax.crypto.SecretKey key, byte[] header, int segment, boolean last)
      throws Exception {
    byte[] iv = Arrays.copyOfRange(header, 5, ObjectCipher.HEADER_BYTES);
    iv[11] ^= (byte) segment;
    javax.crypto.Cipher c =
        javax.crypto.Cipher.getInstance(
            "AES/GCM/NoPadding", java.security.Security.getProvider("SunJCE"));
    c.init(mode, key, new javax.crypto.spec.GCMParameterSpec(128, iv));
    c.updateAAD(PLACE.associatedData());
    c.updateAAD(header);
    byte[] tail = new byte[9];
    tail[7] = (byte) segment;
    tail[8] = (byte) (last ? 1 : 0);
    c.updateAAD(tail);
    return c;
  }
}
