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

        /// <summary>
        /// A file's bytes, read letting others read, write, replace or delete it meanwhile. Something that is not a regular
        /// file (a FIFO, which would wait for a writer, or a socket) fails with an IOException naming it, without waiting.
        /// </summary>
        public static byte[] ReadShared(string path) =>
            ReadShared(path, long.MaxValue) ?? throw new IOException($"'{Path.GetFullPath(path)}' is not a regular file (a FIFO or a socket).");

        /// <summary>
        /// As <see cref="ReadShared(string)"/>, or null when the file holds more than <paramref name="maxBytes"/> or is not a
        /// regular file: a larger file is not read, and one that grows is read no further than that. Never waits: on Linux
        /// and macOS the file is opened non-blocking, so a FIFO in its place is null at once (a plain open would wait for a
        /// writer). A file of length 0 (empty, or a device such as /dev/zero, which never ends) is not read: its bytes are none.
        /// </summary>
        public static byte[]? ReadShared(string path, long maxBytes)
        {
            using FileStream stream = OpenShared(path);
            if (!stream.CanSeek)
            {
                return null; // a FIFO or a socket: no length, and a read waits for a writer
            }
            long length = stream.Length;
            if (length > maxBytes)
            {
                return null;
            }
            if (length == 0)
            {
                return Array.Empty<byte>();
            }
            // Sized to the file (one more byte sees its end): a trim reads thousands of small entries.
            using var bytes = new MemoryStream((int)Math.Min(length, 1 << 20));
            var buffer = new byte[(int)Math.Min(length + 1, 81920)];
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

        /// <summary>Bytes as File.ReadAllText reads a file: a byte order mark names the encoding, else UTF-8.</summary>
        public static string Text(byte[] bytes)
        {
            using var reader = new StreamReader(new MemoryStream(bytes), System.Text.Encoding.UTF8, detectEncodingFromByteOrderMarks: true);
            return reader.ReadToEnd();
        }

        /// <summary>Opens <paramref name="path"/> for reading, sharing it with writers and deleters, without waiting (see <see cref="ReadShared(string, long)"/>).</summary>
        private static FileStream OpenShared(string path)
        {
#if NET
            if (OperatingSystem.IsLinux() || OperatingSystem.IsMacOS())
            {
                return UnixOpenNonBlocking(path);
            }
#endif
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1);
        }

#if NET
        [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "open", SetLastError = true)]
        private static extern int UnixOpen([System.Runtime.InteropServices.MarshalAs(System.Runtime.InteropServices.UnmanagedType.LPUTF8Str)] string path, int flags);

        /// <summary>
        /// open(2) with O_NONBLOCK (and O_CLOEXEC): a FIFO opens at once instead of waiting for a writer, and the check of
        /// what was opened is on the handle itself, so a FIFO put in a file's place between a look and the open cannot
        /// hang the read. O_NONBLOCK changes nothing for a regular file. Failures are the exceptions FileStream throws.
        /// </summary>
        private static FileStream UnixOpenNonBlocking(string path)
        {
            string full = Path.GetFullPath(path);
            if (Directory.Exists(full))
            {
                throw new UnauthorizedAccessException($"Access to the path '{full}' is denied: it is a folder.");
            }
            int flags = OperatingSystem.IsMacOS() ? 0x0004 | 0x01000000 : 0x0800 | 0x80000; // O_RDONLY | O_NONBLOCK | O_CLOEXEC
            int fd = UnixOpen(full, flags);
            if (fd < 0)
            {
                int errno = System.Runtime.InteropServices.Marshal.GetLastPInvokeError();
                string reason = new System.ComponentModel.Win32Exception(errno).Message; // strerror on Unix
                throw errno switch
                {
                    2 => Directory.Exists(Path.GetDirectoryName(full)) // ENOENT
                        ? new FileNotFoundException($"Could not find file '{full}'.", full)
                        : new DirectoryNotFoundException($"Could not find a part of the path '{full}'."),
                    1 or 13 => new UnauthorizedAccessException($"Access to the path '{full}' is denied."), // EPERM, EACCES
                    _ => new IOException($"'{full}' cannot be opened: {reason}."),
                };
            }
            var handle = new Microsoft.Win32.SafeHandles.SafeFileHandle((IntPtr)fd, ownsHandle: true);
            try
            {
                return new FileStream(handle, FileAccess.Read, 1);
            }
            catch
            {
                handle.Dispose();
                throw;
            }
        }
#endif

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
