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
        public static void Update(string path, Func<byte[]?, byte[]?> update, TimeSpan? wait = null, System.Threading.CancellationToken cancellationToken = default)
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
                    held = OpenLock(lockPath);
                    break;
                }
                catch (IOException) when (waited.Elapsed < limit && File.Exists(lockPath))
                {
                    // Ctrl+C (the cmdlet's stop) ends the wait at once.
                    cancellationToken.WaitHandle.WaitOne(25);
                    cancellationToken.ThrowIfCancellationRequested();
                }
                catch (IOException) when (File.Exists(lockPath))
                {
                    throw new FileLockedException($"another PowerShell session has been writing '{full}' for {limit.TotalSeconds:0} seconds (it holds '{lockPath}'); try again when it has finished");
                }
            }
            using (held)
            {
                byte[]? current = File.Exists(full) ? ReadShared(full) : null;
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
                    // A reader on Windows that opened the file without FileShare.Delete (Get-Content, another program) makes
                    // the replace fail for as long as it reads: tried again until the wait runs out.
                    WriteAtomic(full, next, () => waited.Elapsed < limit, cancellationToken);
                }
            }
        }

        /// <summary>
        /// Opens the lock file exclusively; a lock file this user may not write (left by an elevated session, sudo pwsh)
        /// is opened for reading, which locks it all the same (flock on Unix, a share mode on Windows).
        /// </summary>
        private static FileStream OpenLock(string lockPath)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (UnauthorizedAccessException) when (File.Exists(lockPath))
            {
                return new FileStream(lockPath, FileMode.Open, FileAccess.Read, FileShare.None);
            }
        }

        /// <summary>A file's bytes, read letting others read, write, replace or delete it meanwhile.</summary>
        public static byte[] ReadShared(string path) => ReadShared(path, long.MaxValue)!;

        /// <summary>
        /// As <see cref="ReadShared(string)"/>, or null when the file holds more than <paramref name="maxBytes"/>: a larger
        /// file is not read, and one that grows or never ends (a device) is read no further than that.
        /// </summary>
        public static byte[]? ReadShared(string path, long maxBytes)
        {
            using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.CanSeek && stream.Length > maxBytes)
            {
                return null;
            }
            using var bytes = new MemoryStream();
            var buffer = new byte[81920];
            for (int n; (n = stream.Read(buffer, 0, buffer.Length)) > 0;)
            {
                if (n > maxBytes - bytes.Length)
                {
                    return null;
                }
                bytes.Write(buffer, 0, n);
            }
            return bytes.ToArray();
        }

        /// <summary>
        /// Whether a failed replace of a file may succeed when tried again: on Windows, another process has the file open
        /// without FileShare.Delete (a sharing or lock violation, or access denied on a file being read).
        /// </summary>
        internal static bool IsSharingFailure(Exception ex)
        {
            const int SharingViolation = unchecked((int)0x80070020), LockViolation = unchecked((int)0x80070021);
            return ex is IOException io && (io.HResult == SharingViolation || io.HResult == LockViolation)
                || (ex is UnauthorizedAccessException && System.Runtime.InteropServices.RuntimeInformation.IsOSPlatform(System.Runtime.InteropServices.OSPlatform.Windows));
        }

        /// <summary>Runs <paramref name="move"/>, again every 25 ms while it fails as <see cref="IsSharingFailure"/> says and <paramref name="retry"/> allows.</summary>
        internal static void RetryWhileShared(Action move, Func<bool> retry, System.Threading.CancellationToken cancellationToken = default)
        {
            while (true)
            {
                try
                {
                    move();
                    return;
                }
                catch (Exception ex) when (IsSharingFailure(ex) && retry())
                {
                    cancellationToken.WaitHandle.WaitOne(25);
                    cancellationToken.ThrowIfCancellationRequested();
                }
            }
        }

        /// <summary>
        /// Writes <paramref name="bytes"/> to <paramref name="path"/> atomically: a temporary file (".NAME.GUID.tmp" in the
        /// same folder, flushed to disk) moved over the target, so a reader sees the old file or the new one, never half.
        /// </summary>
        public static void WriteAtomic(string path, byte[] bytes) => WriteAtomic(path, bytes, () => false, default);

        /// <summary>As <see cref="WriteAtomic(string, byte[])"/>; a move that fails as the file is in use is tried again while <paramref name="retry"/> allows.</summary>
        internal static void WriteAtomic(string path, byte[] bytes, Func<bool> retry, System.Threading.CancellationToken cancellationToken)
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
                RetryWhileShared(() => Replace(temp, path), retry, cancellationToken);
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

        /// <summary>Moves <paramref name="temp"/> over <paramref name="path"/>.</summary>
        private static void Replace(string temp, string path)
        {
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
    }

    /// <summary>Another session has held a file's lock (see <see cref="LocalFiles.Update"/>) for the whole wait.</summary>
    public sealed class FileLockedException : IOException
    {
        public FileLockedException(string message)
            : base(message)
        {
        }
    }
}
