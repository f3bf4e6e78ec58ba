using System;
using System.IO;

namespace VisionPS.Core
{
    /// <summary>What a per-user folder holds: it decides where each OS keeps it.</summary>
    public enum UserFolderKind
    {
        /// <summary>Disposable data (the answer cache): Windows LocalAppData, macOS ~/Library/Caches, Linux $XDG_CACHE_HOME.</summary>
        Cache,

        /// <summary>State to keep (batch records): Windows LocalAppData, macOS ~/Library/Application Support, Linux $XDG_DATA_HOME.</summary>
        Data,

        /// <summary>Settings: Windows AppData, macOS ~/Library/Application Support, Linux $XDG_CONFIG_HOME.</summary>
        Config,
    }

    /// <summary>The module's files on the user's disk: one per-OS folder rule and one atomic write.</summary>
    public static class LocalFiles
    {
        /// <summary>
        /// Fills <paramref name="buffer"/> from <paramref name="stream"/> as far as the stream goes (a file's first bytes:
        /// one Read may return fewer than asked); the number of bytes read.
        /// </summary>
        internal static int ReadHead(Stream stream, byte[] buffer)
        {
            int read = 0;
            for (int n; read < buffer.Length && (n = stream.Read(buffer, read, buffer.Length - read)) > 0;)
            {
                read += n;
            }
            return read;
        }

        /// <summary>
        /// The per-user folder <paramref name="name"/> of this kind: <paramref name="overrideVariable"/> when that
        /// environment variable is set; else VisionPS/<paramref name="name"/> in the OS's folder for the kind (on Linux
        /// the name is lower-case, as XDG folders are). A cache folder outside Windows is VisionPS itself: macOS's
        /// and XDG's cache folders hold nothing else, while Windows's LocalAppData holds caches and data alike.
        /// </summary>
        public static string UserFolder(UserFolderKind kind, string name, string? overrideVariable = null)
        {
            string? env = overrideVariable is null ? null : Environment.GetEnvironmentVariable(overrideVariable);
            if (!string.IsNullOrEmpty(env))
            {
                return env!;
            }
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            if (Path.DirectorySeparatorChar == '\\')
            {
                Environment.SpecialFolder root = kind == UserFolderKind.Config ? Environment.SpecialFolder.ApplicationData : Environment.SpecialFolder.LocalApplicationData;
                return Path.Combine(Environment.GetFolderPath(root), "VisionPS", name);
            }
            if (Directory.Exists("/System/Library") && Directory.Exists(Path.Combine(home, "Library")))
            {
                return kind == UserFolderKind.Cache
                    ? Path.Combine(home, "Library", "Caches", "VisionPS")
                    : Path.Combine(home, "Library", "Application Support", "VisionPS", name);
            }
            (string variable, string fallback) = kind switch
            {
                UserFolderKind.Cache => ("XDG_CACHE_HOME", Path.Combine(home, ".cache")),
                UserFolderKind.Data => ("XDG_DATA_HOME", Path.Combine(home, ".local", "share")),
                _ => ("XDG_CONFIG_HOME", Path.Combine(home, ".config")),
            };
            string? xdg = Environment.GetEnvironmentVariable(variable);
            string folder = Path.Combine(string.IsNullOrEmpty(xdg) ? fallback : xdg!, "VisionPS");
            return kind == UserFolderKind.Cache ? folder : Path.Combine(folder, name.ToLowerInvariant());
        }

        /// <summary>How long <see cref="Update"/> waits for another session saving the same file.</summary>
        public static TimeSpan UpdateWait { get; } = TimeSpan.FromSeconds(10);

        /// <summary>
        /// Rewrites <paramref name="path"/> from its current bytes (null when there is no file) under an exclusive lock
        /// on "NAME.lock" beside it, then writes the result atomically; <paramref name="update"/> returning null deletes the
        /// file. Another thread or process updating the same file (two PowerShell windows saving settings) waits for this
        /// one, so neither reads the file before the other has written it and overwrites its change. The lock file stays:
        /// removing it would let a third updater lock a file the second still holds open. Waits at most
        /// <paramref name="wait"/> (default <see cref="UpdateWait"/>), then fails with an IOException naming the file.
        /// </summary>
        public static void Update(string path, Func<byte[]?, byte[]?> update, TimeSpan? wait = null)
        {
            string full = Path.GetFullPath(path);
            string dir = Path.GetDirectoryName(full)!;
            Directory.CreateDirectory(dir);
            string lockPath = full + ".lock";
            TimeSpan limit = wait ?? UpdateWait;
            var waited = System.Diagnostics.Stopwatch.StartNew();
            FileStream held;
            while (true)
            {
                try
                {
                    // FileShare.None is an exclusive lock across processes too (flock on Unix, a share mode on Windows).
                    held = new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
                    break;
                }
                catch (IOException) when (waited.Elapsed < limit && File.Exists(lockPath))
                {
                    System.Threading.Thread.Sleep(25);
                }
                catch (IOException) when (File.Exists(lockPath))
                {
                    throw new IOException($"another PowerShell session has been writing '{full}' for {limit.TotalSeconds:0} seconds (it holds '{lockPath}'); try again when it has finished");
                }
            }
            using (held)
            {
                byte[]? current = File.Exists(full) ? File.ReadAllBytes(full) : null;
                byte[]? next = update(current);
                if (next is null)
                {
                    if (File.Exists(full))
                    {
                        File.Delete(full);
                    }
                }
                else
                {
                    WriteAtomic(full, next);
                }
            }
        }

        /// <summary>
        /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: a temporary file (".NAME.GUID.tmp" in the
        /// same folder, flushed to disk) moved over the target, so a reader sees the old file or the new one, never half.
        /// </summary>
        public static void WriteAtomic(string path, byte[] bytes)
        {
            string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
            Directory.CreateDirectory(dir);
            string temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N") + ".tmp");
            try
            {
                using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 4096, FileOptions.WriteThrough))
                {
                    stream.Write(bytes, 0, bytes.Length);
                }
#if NET
                File.Move(temp, path, overwrite: true);
#else
                if (File.Exists(path))
                {
                    try
                    {
                        File.Replace(temp, path, null);
                    }
                    catch (FileNotFoundException) when (File.Exists(temp) && !File.Exists(path))
                    {
                        File.Move(temp, path); // the file was removed meanwhile (a cache trim): nothing left to replace
                    }
                }
                else
                {
                    File.Move(temp, path);
                }
#endif
            }
            finally
            {
                try
                {
                    File.Delete(temp); // gone after a successful move; a leftover after a failed one
                }
                catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
                {
                }
            }
        }
    }
}
