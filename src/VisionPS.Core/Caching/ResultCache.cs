using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace VisionPS.Core.Caching
{
    /// <summary>
    /// A content-addressed, on-disk cache of answers (opaque text payloads, e.g. a serialized chat result).
    /// Entries live in <c>&lt;root&gt;/v1/&lt;2 hex&gt;/&lt;key&gt;.json</c>. Writes are atomic: an entry is written to a
    /// unique temporary file in the same folder and then moved into place, so a crash leaves at most a stray
    /// temporary file and concurrent writers (threads or processes) never see or make a torn entry. Every entry
    /// carries the SHA-256 of its payload; an unreadable, corrupt or expired entry is a miss and is removed, and so is anything
    /// else in an entry's place (a link, a FIFO, a device, an empty file or one larger than the size cap) without being opened;
    /// an empty folder there is removed when the entry is written.
    /// The total size is kept under <see cref="MaxBytes"/> by removing the least recently used entries: at the first write
    /// of each instance (each run) when the last trim by any process is <see cref="TrimInterval"/> old, and after every
    /// sixteenth of the cap written.
    /// </summary>
    public sealed class ResultCache
    {
        private const string Version = "v1";
        private readonly object _trimLock = new object();
        private long _writtenSinceTrim;
        private bool _wroteBefore;

        public ResultCache(string root, TimeSpan expiry, long maxBytes)
        {
            if (expiry <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException(nameof(expiry), "The cache expiry must be positive.");
            }
            if (maxBytes <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(maxBytes), "The cache size cap must be positive.");
            }
            Root = Path.GetFullPath(root);
            Expiry = expiry;
            MaxBytes = maxBytes;
        }

        /// <summary>Default expiry of an entry: 30 days.</summary>
        public static TimeSpan DefaultExpiry { get; } = TimeSpan.FromDays(30);

        /// <summary>Default size cap: 256 MiB.</summary>
        public const long DefaultMaxBytes = 256L * 1024 * 1024;

        public string Root { get; }

        public TimeSpan Expiry { get; }

        public long MaxBytes { get; }

        /// <summary>Clock, replaceable by tests.</summary>
        public Func<DateTimeOffset> Now { get; set; } = () => DateTimeOffset.UtcNow;

        /// <summary>Puts an entry's bytes in place atomically; replaceable by tests (a full disk cannot be made here).</summary>
        internal Action<string, byte[]> WriteEntry { get; set; } = LocalFiles.WriteAtomic;

        /// <summary>
        /// The default location per OS: <c>VISIONPS_CACHE</c> if set; else Windows <c>%LOCALAPPDATA%\VisionPS\Cache</c>,
        /// macOS <c>~/Library/Caches/VisionPS</c>, Linux <c>$XDG_CACHE_HOME/VisionPS</c> or <c>~/.cache/VisionPS</c>.
        /// </summary>
        public static string DefaultRoot() => LocalFiles.UserFolder(UserFolderKind.Cache, "Cache", "VISIONPS_CACHE");

        /// <summary>The payload stored under <paramref name="key"/>, or null on a miss (absent, expired or corrupt).</summary>
        public string? TryGet(string key)
        {
            string path = PathOf(key);
            if (IsForeign(new FileInfo(path)))
            {
                TryDelete(path);
                return null;
            }
            byte[]? bytes;
            try
            {
                // An entry is never larger than the cap (a trim would remove it): a larger file is damaged or foreign.
                bytes = LocalFiles.ReadShared(path, MaxBytes); // null for a FIFO put in its place since the look above
            }
            catch (Exception ex) when (ex is FileNotFoundException || ex is DirectoryNotFoundException)
            {
                return null;
            }
            catch (IOException)
            {
                return null; // being replaced right now: a miss, not a failure
            }
            catch (UnauthorizedAccessException)
            {
                return null; // not readable by this user (another user's entry, a folder in its place): a miss
            }
            Entry? entry = bytes is null ? null : Parse(bytes);
            if (entry is null || entry.Key != key || entry.Sha256 != Sha256(entry.Payload!))
            {
                TryDelete(path);
                return null;
            }
            DateTimeOffset now = Now();
            if (IsExpired(entry, now))
            {
                TryDelete(path);
                return null;
            }
            try
            {
                File.SetLastWriteTimeUtc(path, now.UtcDateTime); // recency for least-recently-used trimming
            }
            catch (IOException)
            {
                // Another process replaced or removed it meanwhile; the payload we read is still valid.
            }
            catch (UnauthorizedAccessException)
            {
                // Read-only cache folder: still a hit.
            }
            return entry.Payload;
        }

        /// <summary>Stores <paramref name="payload"/> under <paramref name="key"/> atomically.</summary>
        public void Set(string key, string payload)
        {
            string path = PathOf(key);
            string dir = Path.GetDirectoryName(path)!;
            Directory.CreateDirectory(dir);
            var entry = new Entry { Key = key, Created = Now().ToUnixTimeSeconds(), Sha256 = Sha256(payload), Payload = payload };
            byte[] bytes = JsonSerializer.SerializeToUtf8Bytes(entry);
            if (Directory.Exists(path))
            {
                RemoveEmptyFolder(path);
            }
            bool existed = File.Exists(path);
            try
            {
                WriteEntry(path, bytes);
            }
            catch (IOException) when (!existed && File.Exists(path))
            {
                // A concurrent writer's entry appeared during the write (Windows cannot replace a file another process
                // has open); it answers the same question. Anything else (a full disk, a read-only folder, also when
                // this write was to replace an entry already there) fails the write, so the caller can say that answers
                // are not kept.
            }
            bool full;
            lock (_trimLock)
            {
                _writtenSinceTrim += bytes.Length;
                bool firstWrite = !_wroteBefore;
                _wroteBefore = true;
                // Each run opens its own cache, so a count of this run's writes alone never trims a cache that many
                // small runs fill: the first write of each run trims too when the last trim is an interval old.
                full = _writtenSinceTrim >= MaxBytes / 16;
                if (!full && !(firstWrite && TrimDue()))
                {
                    return;
                }
                _writtenSinceTrim = 0;
            }
            try
            {
                // The first write's trim goes by file times alone (entries unused for the expiry, then the least
                // recently used over the cap), so it costs a folder listing, not a read of every entry.
                Trim(openEntries: full);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                // Trimming is housekeeping: the entry is written, and the next run trims again.
            }
        }

        /// <summary>
        /// Removes a folder in an entry's place (made by hand or another program), which fails every write of that answer,
        /// when it is empty; one holding anything is left alone, and the write fails naming it and what to do.
        /// </summary>
        private static void RemoveEmptyFolder(string path)
        {
            try
            {
                Directory.Delete(path, recursive: false);
            }
            catch (Exception ex) when ((ex is IOException || ex is UnauthorizedAccessException) && Directory.Exists(path))
            {
                throw new IOException($"'{path}' is a folder, not empty, where an answer belongs; move or delete that folder", ex);
            }
        }

        /// <summary>
        /// Whether <paramref name="file"/> cannot be an entry and is to be removed without being opened: the cache writes only
        /// regular, non-empty files within the cap, and a link (to a device such as /dev/zero, read up to the cap), a FIFO or
        /// a device (length 0: opening a FIFO waits for a writer), an empty file or a larger one is damaged or foreign.
        /// </summary>
        private bool IsForeign(FileInfo file)
        {
            try
            {
                return file.Exists && ((file.Attributes & FileAttributes.ReparsePoint) != 0 || file.Length == 0 || file.Length > MaxBytes);
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false; // gone meanwhile, or not for this user to see: the read says
            }
        }

        /// <summary>
        /// What a run says, once, when an answer cannot be written to the cache at <paramref name="root"/> (a full disk, a
        /// folder it may not write): what is lost and what to do about it.
        /// </summary>
        public static string UnwritableWarning(string root, Exception error) =>
            $"The answer cache at '{root}' cannot be written ({error.Message.TrimEnd('.')}): answers are not kept for the next run. Set-VisionDefault -CachePath to a folder you can write, or use -NoCache.";

        /// <summary>How long after a trim the first write of a run trims again (a trim reads every entry's file time).</summary>
        public static TimeSpan TrimInterval { get; } = TimeSpan.FromHours(1);

        private string TrimMarker => Path.Combine(Root, Version, ".trimmed");

        /// <summary>How far in the future a last-trim time may be and still count as recent (clocks a little apart).</summary>
        private static readonly TimeSpan s_clockTolerance = TimeSpan.FromMinutes(5);

        /// <summary>
        /// Whether the last trim, by any process, is <see cref="TrimInterval"/> old or was never done; or its time is in the
        /// future (a clock set back, another machine's clock on a shared folder), which would otherwise wait until the
        /// clock caught up.
        /// </summary>
        private bool TrimDue()
        {
            try
            {
                var marker = new FileInfo(TrimMarker);
                if (!marker.Exists)
                {
                    return true;
                }
                TimeSpan age = Now().UtcDateTime - marker.LastWriteTimeUtc;
                return age >= TrimInterval || age < -s_clockTolerance;
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return true;
            }
        }

        /// <summary>Removes one entry; true when there was one.</summary>
        public bool Remove(string key) => TryDelete(PathOf(key));

        /// <summary>Entries, total size and where the cache lives.</summary>
        public ResultCacheStatistics GetStatistics()
        {
            List<FileInfo> files = EntryFiles().ToList();
            return new ResultCacheStatistics(Root, files.Count, files.Sum(f => f.Length), MaxBytes, Expiry);
        }

        /// <summary>
        /// Removes expired entries, stray temporary files older than an hour, and then the least recently used entries
        /// until the total size is within <see cref="MaxBytes"/>. Returns the number of entries removed.
        /// </summary>
        public int Trim() => Trim(openEntries: true);

        /// <summary>
        /// <see cref="Trim()"/>; without <paramref name="openEntries"/> an entry is taken as expired only when its file
        /// time (its last use) is an expiry old, and an entry created longer ago but used since stays until it is looked up
        /// (which removes it).
        /// </summary>
        private int Trim(bool openEntries)
        {
            int removed = 0;
            DateTime now = Now().UtcDateTime;
            string dir = Path.Combine(Root, Version);
            if (!Directory.Exists(dir))
            {
                return 0;
            }
            try
            {
                foreach (FileInfo temp in FilesUnder(new DirectoryInfo(dir), "*.tmp"))
                {
                    if (now - temp.LastWriteTimeUtc > TimeSpan.FromHours(1))
                    {
                        TryDelete(temp.FullName);
                    }
                }
                var live = new List<FileInfo>();
                foreach (FileInfo file in EntryFiles())
                {
                    // Creation is inside the entry; the file time is recency. An entry not used within the expiry is
                    // certainly expired, so this avoids opening every file.
                    if (now - file.LastWriteTimeUtc >= Expiry || IsForeign(file) || (openEntries && IsExpired(file)))
                    {
                        removed += TryDelete(file.FullName) ? 1 : 0;
                    }
                    else
                    {
                        live.Add(file);
                    }
                }
                long total = live.Sum(f => f.Length);
                foreach (FileInfo file in live.OrderBy(f => f.LastWriteTimeUtc))
                {
                    if (total <= MaxBytes)
                    {
                        break;
                    }
                    total -= file.Length;
                    removed += TryDelete(file.FullName) ? 1 : 0;
                }
            }
            finally
            {
                // Written even when the walk failed: a trim that cannot finish is not retried by every run's first write.
                try
                {
                    File.WriteAllBytes(TrimMarker, Array.Empty<byte>());
                    File.SetLastWriteTimeUtc(TrimMarker, now);
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    // Without the marker the next run trims again: only slower.
                }
            }
            return removed;
        }

        /// <summary>Removes every entry, or only those not used for <paramref name="unusedFor"/>. Returns the count.</summary>
        public int Clear(TimeSpan? unusedFor = null)
        {
            int removed = 0;
            DateTime now = Now().UtcDateTime;
            foreach (FileInfo file in EntryFiles())
            {
                if (unusedFor is null || now - file.LastWriteTimeUtc >= unusedFor.Value)
                {
                    removed += TryDelete(file.FullName) ? 1 : 0;
                }
            }
            return removed;
        }

        private bool IsExpired(FileInfo file)
        {
            try
            {
                byte[]? bytes = LocalFiles.ReadShared(file.FullName, MaxBytes);
                Entry? entry = bytes is null ? null : Parse(bytes);
                return entry is null || IsExpired(entry, Now());
            }
            catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
            {
                return false;
            }
        }

        /// <summary>
        /// Whether <paramref name="entry"/> was created an expiry ago, or is damaged: created more than a day in the future
        /// (no clock is that far off). Compared in seconds, not as dates: a creation time near the last date (9999) plus
        /// the expiry, or a huge expiry (<see cref="TimeSpan.MaxValue"/>), is past any date.
        /// </summary>
        private bool IsExpired(Entry entry, DateTimeOffset now)
        {
            long nowSeconds = now.ToUnixTimeSeconds();
            if (entry.Created > nowSeconds + 86400)
            {
                return true;
            }
            long expirySeconds = (long)Math.Min(Expiry.TotalSeconds, long.MaxValue / 2);
            return entry.Created <= nowSeconds - expirySeconds;
        }

        private IEnumerable<FileInfo> EntryFiles()
        {
            var dir = new DirectoryInfo(Path.Combine(Root, Version));
            return dir.Exists ? FilesUnder(dir, "*.json") : Enumerable.Empty<FileInfo>();
        }

        /// <summary>
        /// The files matching <paramref name="pattern"/> in <paramref name="dir"/> and its subfolders, past subfolders that
        /// cannot be read (another user's): one would end the walk, and with it every trim, so the size cap was never kept.
        /// </summary>
        private static IEnumerable<FileInfo> FilesUnder(DirectoryInfo dir, string pattern)
        {
#if NET
            // Hidden files too: temporary entries are dot files, which Unix counts as hidden.
            return dir.EnumerateFiles(pattern, new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = 0 });
#else
            var pending = new Stack<DirectoryInfo>();
            pending.Push(dir);
            while (pending.Count > 0)
            {
                DirectoryInfo current = pending.Pop();
                FileInfo[] files;
                DirectoryInfo[] folders;
                try
                {
                    files = current.GetFiles(pattern);
                    folders = current.GetDirectories();
                }
                catch (Exception ex) when (ex is IOException || ex is UnauthorizedAccessException)
                {
                    continue; // not readable by this user, or removed meanwhile
                }
                foreach (FileInfo file in files)
                {
                    yield return file;
                }
                foreach (DirectoryInfo folder in folders)
                {
                    pending.Push(folder);
                }
            }
#endif
        }

        private string PathOf(string key)
        {
            if (key is null || key.Length != 64 || key.Any(c => !((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))))
            {
                throw new ArgumentException("A cache key is a lowercase hex SHA-256 (see ResultCacheKey).", nameof(key));
            }
            return Path.Combine(Root, Version, key.Substring(0, 2), key + ".json");
        }

        /// <summary>The last second <see cref="DateTimeOffset.FromUnixTimeSeconds"/> takes (9999-12-31T23:59:59Z).</summary>
        private const long MaxUnixSeconds = 253402300799;

        private static Entry? Parse(byte[] bytes)
        {
            try
            {
                Entry? entry = JsonSerializer.Deserialize<Entry>(bytes);
                // A creation time before 1970 or past the last date (a damaged or foreign file) is no entry.
                return entry is { Key: not null, Payload: not null, Sha256: not null } && entry.Created >= 0 && entry.Created <= MaxUnixSeconds
                    ? entry
                    : null;
            }
            catch (JsonException)
            {
                return null;
            }
        }

        private static string Sha256(string payload)
        {
            using var sha = SHA256.Create();
            return ResultCacheKey.Hex(sha.ComputeHash(Encoding.UTF8.GetBytes(payload)));
        }

        private static bool TryDelete(string path)
        {
            try
            {
                if (!File.Exists(path))
                {
                    return false;
                }
                File.Delete(path);
                return true;
            }
            catch (IOException)
            {
                return false;
            }
            catch (UnauthorizedAccessException)
            {
                return false;
            }
        }

        private sealed class Entry
        {
            public string? Key { get; set; }

            public long Created { get; set; }

            public string? Sha256 { get; set; }

            public string? Payload { get; set; }
        }
    }

    /// <summary>What is in a result cache.</summary>
    public sealed class ResultCacheStatistics
    {
        public ResultCacheStatistics(string root, int entries, long bytes, long maxBytes, TimeSpan expiry)
        {
            Root = root;
            Entries = entries;
            Bytes = bytes;
            MaxBytes = maxBytes;
            Expiry = expiry;
        }

        public string Root { get; }

        public int Entries { get; }

        public long Bytes { get; }

        public long MaxBytes { get; }

        public TimeSpan Expiry { get; }

        /// <summary>"N answer(s), X of Y MB, in ROOT": what a string of it ("$cache", Write-Host) shows.</summary>
        public override string ToString() => string.Format(System.Globalization.CultureInfo.InvariantCulture,
            "{0} answer(s), {1:0.0} of {2:0} MB, in {3}", Entries, Bytes / 1048576.0, MaxBytes / 1048576.0, Root);
    }
}
