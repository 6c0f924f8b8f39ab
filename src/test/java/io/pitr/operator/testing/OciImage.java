package io.pitr.operator.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * An OCI image archive (what the build writes to target/pitr-operator-image.tar), read as a
 * container runtime reads it: its index, manifest and configuration, and its layers unpacked in
 * order into a root filesystem.
 *
 * @param reference the name the index gives the image
 * @param entrypoint the configuration's Entrypoint
 * @param environment the configuration's Env
 * @param workingDirectory the configuration's WorkingDir
 * @param user the configuration's User
 * @param layerSizes the compressed size of each layer, in bytes
 */
public record OciImage(
    String reference,
    List<String> entrypoint,
    List<String> environment,
    String workingDirectory,
    String user,
    List<Long> layerSizes) {

  /** The archive the build writes. */
  public static final Path ARCHIVE = Path.of("target", "pitr-operator-image.tar");

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Reads the archive's index, manifest and configuration. */
  public static OciImage read(Path archive) {
    Map<String, byte[]> blobs = metadata(archive);
    JsonNode index = json(blobs.get("index.json"));
    JsonNode descriptor = index.get("manifests").get(0);
    JsonNode manifest = json(blob(blobs, descriptor.get("digest").asText()));
    JsonNode config =
        json(blob(blobs, manifest.get("config").get("digest").asText())).get("config");
    List<Long> sizes = new ArrayList<>();
    manifest.get("layers").forEach(layer -> sizes.add(layer.get("size").asLong()));
    return new OciImage(
        descriptor.get("annotations").get("org.opencontainers.image.ref.name").asText(),
        strings(config.get("Entrypoint")),
        strings(config.get("Env")),
        config.get("WorkingDir").asText(),
        config.get("User").asText(),
        List.copyOf(sizes));
  }

  /** Unpacks the archive's layers, in order, into {@code rootfs}. */
  public static void unpack(Path archive, Path rootfs) {
    Map<String, byte[]> metadata = metadata(archive);
    JsonNode index = json(metadata.get("index.json"));
    JsonNode manifest = json(blob(metadata, index.get("manifests").get(0).get("digest").asText()));
    List<String> layers = new ArrayList<>();
    manifest.get("layers").forEach(layer -> layers.add(layer.get("digest").asText()));
    Path scratch = null;
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      Map<String, Path> extracted = new HashMap<>();
      scratch = Files.createTempDirectory("oci-layers-");
      for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        String digest = "sha256:" + entry.getName().substring(entry.getName().lastIndexOf('/') + 1);
        if (layers.contains(digest)) {
          Path file = scratch.resolve(digest.substring(7));
          Files.copy(tar, file);
          extracted.put(digest, file);
        }
      }
      Files.createDirectories(rootfs);
      for (String layer : layers) {
        try (TarArchiveInputStream in =
            new TarArchiveInputStream(
                new GZIPInputStream(
                    new BufferedInputStream(Files.newInputStream(extracted.get(layer)))))) {
          unpackLayer(in, rootfs);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } finally {
      if (scratch != null) {
        try (var files = Files.list(scratch)) {
          files.forEach(file -> file.toFile().delete());
          Files.delete(scratch);
        } catch (IOException e) {
          System.out.println("could not delete " + scratch + ": " + e);
        }
      }
    }
  }

  private static void unpackLayer(TarArchiveInputStream in, Path rootfs) throws IOException {
    for (TarArchiveEntry entry = in.getNextEntry(); entry != null; entry = in.getNextEntry()) {
      Path target = rootfs.resolve(entry.getName()).normalize();
      String name = target.getFileName() == null ? "" : target.getFileName().toString();
      if (!target.startsWith(rootfs)) {
        throw new IOException("a layer entry outside the root: " + entry.getName());
      }
      // What the build's layers never hold, and this reader does not apply: refused, not guessed.
      if (name.startsWith(".wh.")
          || entry.isLink()
          || entry.isCharacterDevice()
          || entry.isBlockDevice()
          || entry.isFIFO()) {
        throw new IOException(
            "unsupported layer entry (whiteout, hard link or device): " + entry.getName());
      }
      if (target.getParent() != null
          && Files.exists(target.getParent())
          && !target.getParent().toRealPath().startsWith(rootfs.toRealPath())) {
        throw new IOException("a layer entry through a link out of the root: " + entry.getName());
      }
      if (entry.isDirectory()) {
        Files.createDirectories(target);
      } else {
        Files.createDirectories(target.getParent());
        Files.deleteIfExists(target);
        if (entry.isSymbolicLink()) {
          Files.createSymbolicLink(target, Path.of(entry.getLinkName()));
          continue;
        }
        Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      }
      Files.setAttribute(target, "unix:mode", entry.getMode() & 07777, LinkOption.NOFOLLOW_LINKS);
    }
  }

  /** The archive's small files: index.json, the manifest and the configuration, not layers. */
  private static Map<String, byte[]> metadata(Path archive) {
    Map<String, byte[]> blobs = new HashMap<>();
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        if (entry.getSize() < 1_000_000) {
          blobs.put(entry.getName(), tar.readAllBytes());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return blobs;
  }

  private static byte[] blob(Map<String, byte[]> blobs, String digest) {
    return blobs.get("blobs/sha256/" + digest.substring("sha256:".length()));
  }

  private static JsonNode json(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static List<String> strings(JsonNode array) {
    List<String> strings = new ArrayList<>();
    array.forEach(node -> strings.add(node.asText()));
    return List.copyOf(strings);
  }
}
