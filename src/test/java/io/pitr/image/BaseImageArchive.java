package io.pitr.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * A root filesystem as a one-layer image archive in the format {@code docker save} writes, which
 * Jib reads as a base image ({@code tar://}). The layer keeps what Jib's own layers cannot:
 * symbolic links (the C library's loader is one). Entries are sorted, owned by root and dated at
 * the epoch, so that the same files make the same layer.
 */
final class BaseImageArchive {

  private BaseImageArchive() {}

  /**
   * @param architecture the OCI name of the files' architecture (amd64, arm64)
   */
  static void write(Path rootfs, Path archive, String architecture) throws IOException {
    if (!Files.isDirectory(rootfs)) {
      throw new IllegalStateException(rootfs + " is missing: see src/main/image/build-rootfs.sh");
    }
    Path layer = archive.resolveSibling("base-layer.tar");
    String diffId = writeLayer(rootfs, layer);
    ObjectMapper json =
        new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);
    byte[] config =
        json.writeValueAsBytes(
            Map.of(
                "architecture",
                "amd64",
                "os",
                "linux",
                "config",
                Map.of(),
                "rootfs",
                Map.of("type", "layers", "diff_ids", List.of("sha256:" + diffId))));
    byte[] manifest =
        json.writeValueAsBytes(
            List.of(Map.of("Config", "config.json", "Layers", List.of("layer.tar"))));
    try (TarArchiveOutputStream out = new TarArchiveOutputStream(Files.newOutputStream(archive))) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      addBytes(out, "manifest.json", manifest);
      addBytes(out, "config.json", config);
      TarArchiveEntry entry = new TarArchiveEntry("layer.tar");
      entry.setSize(Files.size(layer));
      out.putArchiveEntry(entry);
      Files.copy(layer, out);
      out.closeArchiveEntry();
    }
    Files.delete(layer);
  }

  /** Writes the layer and returns the SHA-256 of its bytes (its diff id), in hex. */
  private static String writeLayer(Path rootfs, Path layer) throws IOException {
    MessageDigest sha256;
    try {
      sha256 = MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (OutputStream file = Files.newOutputStream(layer);
        TarArchiveOutputStream out =
            new TarArchiveOutputStream(new DigestOutputStream(file, sha256));
        Stream<Path> paths = Files.walk(rootfs)) {
      out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
      out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
      for (Path path : paths.sorted().toList()) {
        if (path.equals(rootfs)) {
          continue;
        }
        String name = rootfs.relativize(path).toString();
        TarArchiveEntry entry;
        if (Files.isSymbolicLink(path)) {
          entry = new TarArchiveEntry(name, TarArchiveEntry.LF_SYMLINK);
          entry.setLinkName(Files.readSymbolicLink(path).toString());
        } else if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
          entry = new TarArchiveEntry(name + "/");
        } else {
          entry = new TarArchiveEntry(name);
          entry.setSize(Files.size(path));
        }
        entry.setMode(mode(path) | entry.getMode() & ~07777);
        entry.setIds(0, 0);
        entry.setNames("root", "root");
        entry.setModTime(0);
        out.putArchiveEntry(entry);
        if (Files.isRegularFile(path, LinkOption.NOFOLLOW_LINKS)) {
          try (InputStream in = Files.newInputStream(path)) {
            in.transferTo(out);
          }
        }
        out.closeArchiveEntry();
      }
    }
    return HexFormat.of().formatHex(sha256.digest());
  }

  /**
   * The permission bits, the same on every machine whatever its umask: directories 755 (1777 if
   * sticky, as /tmp), files 755 if executable and 644 if not, links 777.
   */
  private static int mode(Path path) throws IOException {
    if (Files.isSymbolicLink(path)) {
      return 0777;
    }
    int mode = (Integer) Files.getAttribute(path, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    if (Files.isDirectory(path, LinkOption.NOFOLLOW_LINKS)) {
      return (mode & 01000) != 0 ? 01777 : 0755;
    }
    return (mode & 0111) != 0 ? 0755 : 0644;
  }

  private static void addBytes(TarArchiveOutputStream out, String name, byte[] bytes)
      throws IOException {
    TarArchiveEntry entry = new TarArchiveEntry(name);
    entry.setSize(bytes.length);
    out.putArchiveEntry(entry);
    out.write(bytes);
    out.closeArchiveEntry();
  }
}
