using System;
using System.IO;
using System.Linq;
using System.Runtime.ExceptionServices;
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using System.Text.RegularExpressions;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core.Caching;
using Xunit;

namespace VisionPS.Core.Tests.Caching
{
    public sealed class ResultCacheTests : IDisposable
    {
        private readonly string _root = Path.Combine(Path.GetTempPath(), "visionps-cache-test-" + Guid.NewGuid().ToString("N"));
        private DateTimeOffset _now = new DateTimeOffset(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

        private ResultCache NewCache(long maxBytes = 1 << 20) =>
            new ResultCache(_root, TimeSpan.FromDays(1), maxBytes) { Now = () => _now };

        private static string Key(string prompt, string imageHash = "abc") =>
            new ResultCacheKey().Add("model", "gpt-4.1-mini").Add("prompt", prompt).Add("image", imageHash).Compute();

        public void Dispose()
        {
            if (Directory.Exists(_root))
            {
                Directory.Delete(_root, recursive: true);
            }
        }

        [Fact]
        public void KeysDifferWhenAnyPartDiffersAndPartBoundariesCannotCollide()
        {
            Assert.Equal(Key("what is it?"), Key("what is it?"));
            Assert.NotEqual(Key("what is it?"), Key("what is it? "));
            Assert.NotEqual(Key("p", "abc"), Key("p", "abd"));
            Assert.NotEqual(new ResultCacheKey().Add("a", "bc").Compute(), new ResultCacheKey().Add("ab", "c").Compute());
            Assert.NotEqual(new ResultCacheKey().Add("a", null).Compute(), new ResultCacheKey().Add("a", "").Compute());
            Assert.Matches("^[0-9a-f]{64}$", Key("x"));
        }

        [Fact]
        public void MissThenHitReturnsTheStoredPayload()
        {
            ResultCache cache = NewCache();
            string key = Key("describe");
            Assert.Null(cache.TryGet(key));
            cache.Set(key, "{\"text\":\"a cat on a sofa\"}");
            Assert.Equal("{\"text\":\"a cat on a sofa\"}", cache.TryGet(key));
            Assert.Equal(1, cache.GetStatistics().Entries);
        }

        [Fact]
        public void ExpiredEntriesAreMissesAndAreRemoved()
        {
            ResultCache cache = NewCache();
            string key = Key("describe");
            cache.Set(key, "answer");
            _now = _now.AddHours(23);
            Assert.Equal("answer", cache.TryGet(key));
            _now = _now.AddHours(2);
            Assert.Null(cache.TryGet(key));
            Assert.Equal(0, cache.GetStatistics().Entries);
        }

        [Fact]
        public void CorruptEntriesAreMissesAndAreRemovedThenRewritable()
        {
            ResultCache cache = NewCache();
            string key = Key("describe");
            cache.Set(key, "the right answer");
            string file = Directory.GetFiles(_root, key + ".json", SearchOption.AllDirectories).Single();

            File.WriteAllText(file, File.ReadAllText(file).Replace("the right answer", "the wrong answer"));
            Assert.Null(cache.TryGet(key));
            Assert.False(File.Exists(file));

            cache.Set(key, "the right answer");
            File.WriteAllBytes(file, File.ReadAllBytes(file).Take(20).ToArray()); // torn write
            Assert.Null(cache.TryGet(key));

            cache.Set(key, "the right answer");
            File.WriteAllBytes(file, new byte[] { 0xFF, 0x00, 0x7B });
            Assert.Null(cache.TryGet(key));
            cache.Set(key, "the right answer");
            Assert.Equal("the right answer", cache.TryGet(key));
        }

        /// <summary>
        /// A file in an entry's place larger than the size cap (damaged or foreign: an answer that large is never kept) is a
        /// miss and is removed without being read whole. It was read into memory whatever its size: a 1.5 GB file cost 1.7 GB
        /// and 27 s, and one that never ends (a link to /dev/zero) ended the run with "Array dimensions exceeded supported range".
        /// </summary>
        [Fact]
        public void AnEntryLargerThanTheCapIsAMissAndIsNotReadWhole()
        {
            ResultCache cache = NewCache(maxBytes: 1 << 20);
            string key = Key("describe");
            cache.Set(key, "the answer");
            string file = Directory.GetFiles(_root, key + ".json", SearchOption.AllDirectories).Single();
            // Still a whole, valid entry: padded past the cap with the white space JSON allows after it.
            File.AppendAllText(file, new string(' ', 1 << 20));
            Assert.Null(cache.TryGet(key));
            Assert.False(File.Exists(file));

            if (!OperatingSystem.IsWindows())
            {
                File.CreateSymbolicLink(file, "/dev/zero"); // a file that never ends
                Assert.Null(cache.TryGet(key));
                File.Delete(file);
                File.CreateSymbolicLink(file, "/dev/zero");
                _now = _now.AddMinutes(1);
                cache.Trim(); // a trim reads entries too (their creation time)
            }
            cache.Set(key, "the answer");
            Assert.Equal("the answer", cache.TryGet(key));
        }

        /// <summary>
        /// A FIFO in an entry's place (the cache writes only regular files) hung the run and every trim: the entry was opened
        /// before anything was checked, and opening a FIFO waits for a writer. It is now a miss, and removed, at once.
        /// </summary>
        [Fact]
        [UnsupportedOSPlatform("windows")] // FIFOs are made by mkfifo (the suite runs on Linux)
        public void AFifoInAnEntrysPlaceIsAMissAndIsRemovedWithoutWaitingForAWriter()
        {
            ResultCache cache = NewCache();
            string key = Key("describe");
            cache.Set(key, "the answer");
            string file = Directory.GetFiles(_root, key + ".json", SearchOption.AllDirectories).Single();
            File.Delete(file);
            Fifo.Make(file);
            Assert.Null(Fifo.Within(() => cache.TryGet(key), file));
            Assert.False(File.Exists(file));

            Fifo.Make(file);
            _now = _now.AddMinutes(1);
            Fifo.Within(() => cache.Trim(), file); // a trim reads entries too (their creation time)
            Assert.False(File.Exists(file));

            cache.Set(key, "the answer");
            Assert.Equal("the answer", cache.TryGet(key));
        }

        /// <summary>
        /// A link to a device in an entry's place (the cache writes no links) passed the size check (a device's length is 0)
        /// and was read up to the cap: at the default 256 MiB, /dev/zero and /dev/urandom cost 41 s and 1.3 GB. Now it is a
        /// miss, removed without being read, by a look-up and by a trim alike.
        /// </summary>
        [Theory]
        [InlineData("/dev/zero")]
        [InlineData("/dev/urandom")]
        [UnsupportedOSPlatform("windows")]
        public void ALinkToADeviceInAnEntrysPlaceIsAMissAndIsRemovedWithoutBeingRead(string device)
        {
            var cache = new ResultCache(_root, TimeSpan.FromDays(1), ResultCache.DefaultMaxBytes) { Now = () => _now };
            string key = Key("describe");
            cache.Set(key, "the answer");
            string file = Directory.GetFiles(_root, key + ".json", SearchOption.AllDirectories).Single();
            File.Delete(file);
            File.CreateSymbolicLink(file, device);
            cache.TryGet(Key("warm up")); // the first look-up's own allocations (JIT, types) are not the read's
            long before = GC.GetAllocatedBytesForCurrentThread();
            Assert.Null(cache.TryGet(key));
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, $"the look-up allocated {(GC.GetAllocatedBytesForCurrentThread() - before) >> 20} MB: the device was read");
            Assert.False(File.Exists(file));
            Assert.Null(new FileInfo(file).LinkTarget); // the link itself is gone

            File.CreateSymbolicLink(file, device);
            _now = _now.AddMinutes(1);
            before = GC.GetAllocatedBytesForCurrentThread();
            cache.Trim();
            Assert.True(GC.GetAllocatedBytesForCurrentThread() - before < 4 << 20, $"the trim allocated {(GC.GetAllocatedBytesForCurrentThread() - before) >> 20} MB: the device was read");
            Assert.Equal(0, cache.GetStatistics().Entries);
        }

        /// <summary>
        /// A folder in an entry's place (made by hand or by another program) failed every write of that answer, and every
        /// run warned that the cache cannot be written, for ever. An empty folder is now removed and the answer written; a
        /// folder with something in it is left alone (never deleted with its contents), and the failure names it and says
        /// what to do.
        /// </summary>
        [Fact]
        public void AnEmptyFolderInAnEntrysPlaceIsRemovedAndOneWithContentsIsNamed()
        {
            ResultCache cache = NewCache();
            string key = Key("describe");
            string file = Path.Combine(_root, "v1", key.Substring(0, 2), key + ".json");
            Directory.CreateDirectory(file);
            Assert.Null(cache.TryGet(key));
            cache.Set(key, "answer");
            Assert.Equal("answer", cache.TryGet(key));
            Assert.True(File.Exists(file));

            string other = Key("other");
            string folder = Path.Combine(_root, "v1", other.Substring(0, 2), other + ".json");
            Directory.CreateDirectory(folder);
            File.WriteAllText(Path.Combine(folder, "keep.txt"), "the user's");
            IOException failure = Assert.ThrowsAny<IOException>(() => cache.Set(other, "answer"));
            Assert.Contains(folder, failure.Message, StringComparison.Ordinal);
            Assert.Contains("folder", failure.Message, StringComparison.Ordinal);
            Assert.Equal("the user's", File.ReadAllText(Path.Combine(folder, "keep.txt")));
        }

        [Fact]
        public void AnEntryUnderAnotherKeyNameIsRejected()
        {
            ResultCache cache = NewCache();
            string a = Key("a"), b = Key("b");
            cache.Set(a, "answer to a");
            string fileA = Directory.GetFiles(_root, a + ".json", SearchOption.AllDirectories).Single();
            string fileB = Path.Combine(_root, "v1", b.Substring(0, 2), b + ".json");
            Directory.CreateDirectory(Path.GetDirectoryName(fileB)!);
            File.Copy(fileA, fileB);
            Assert.Null(cache.TryGet(b));
        }

        /// <summary>
        /// An entry that cannot be put in place (a full disk, a read-only folder whose key folder exists, here something
        /// else in the entry's place) fails the write, so the run can warn once that answers are not kept; it was taken
        /// for a concurrent writer's entry and dropped without a word. A concurrent writer's entry in place is no failure.
        /// </summary>
        [Fact]
        public void AnEntryThatCannotBeWrittenFailsTheWriteUnlessAnotherWritersEntryIsInPlace()
        {
            ResultCache cache = NewCache();
            string key = Key("describe");
            string file = Path.Combine(_root, "v1", key.Substring(0, 2), key + ".json");
            Directory.CreateDirectory(Path.Combine(file, "in-the-way"));
            Assert.ThrowsAny<IOException>(() => cache.Set(key, "answer"));
            Assert.Null(cache.TryGet(key));
            Assert.Empty(Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories));

            Directory.Delete(file, recursive: true);
            cache.Set(key, "answer");
            Assert.Equal("answer", cache.TryGet(key));
        }

        [Fact]
        public void ConcurrentWritersAndReadersNeverSeeATornOrForeignEntry()
        {
            ResultCache cache = NewCache(maxBytes: 64L << 20);
            string[] keys = Enumerable.Range(0, 16).Select(i => Key("p" + i)).ToArray();
            string Payload(int i, int writer) => $"answer {i} " + new string((char)('a' + writer), 2000 + i);
            int bad = 0;
            Parallel.For(0, 8, new ParallelOptions { MaxDegreeOfParallelism = 8 }, writer =>
            {
                for (int round = 0; round < 40; round++)
                {
                    int i = (round * 7 + writer) % keys.Length;
                    new ResultCache(_root, TimeSpan.FromDays(1), 64L << 20) { Now = () => _now }.Set(keys[i], Payload(i, writer));
                    string? got = cache.TryGet(keys[(i + 3) % keys.Length]);
                    int j = (i + 3) % keys.Length;
                    if (got != null && !got.StartsWith($"answer {j} ", StringComparison.Ordinal))
                    {
                        Interlocked.Increment(ref bad);
                    }
                }
            });
            Assert.Equal(0, bad);
            for (int i = 0; i < keys.Length; i++)
            {
                string? got = cache.TryGet(keys[i]);
                Assert.NotNull(got);
                Assert.StartsWith($"answer {i} ", got);
                Assert.Equal(2000 + i + $"answer {i} ".Length, got!.Length);
            }
            Assert.Empty(Directory.GetFiles(_root, "*.tmp", SearchOption.AllDirectories));
        }

        [Fact]
        public void TrimKeepsTheSizeCapByRemovingLeastRecentlyUsedAndStrayTempFiles()
        {
            ResultCache cache = NewCache(maxBytes: 1 << 20);
            string[] keys = Enumerable.Range(0, 6).Select(i => Key("p" + i)).ToArray();
            for (int i = 0; i < keys.Length; i++)
            {
                cache.Set(keys[i], new string('x', 3000));
                File.SetLastWriteTimeUtc(Directory.GetFiles(_root, keys[i] + ".json", SearchOption.AllDirectories).Single(),
                    _now.UtcDateTime.AddMinutes(-60 + i));
            }
            _ = cache.TryGet(keys[0]); // the oldest becomes the most recently used
            string stray = Path.Combine(_root, "v1", ".stray.tmp");
            File.WriteAllText(stray, "half");
            File.SetLastWriteTimeUtc(stray, _now.UtcDateTime.AddHours(-2));

            var small = new ResultCache(_root, TimeSpan.FromDays(1), 10_000) { Now = () => _now };
            Assert.True(small.Trim() >= 3);
            Assert.True(cache.GetStatistics().Bytes <= 10_000);
            Assert.NotNull(cache.TryGet(keys[0]));
            Assert.NotNull(cache.TryGet(keys[5]));
            Assert.Null(cache.TryGet(keys[1]));
            Assert.False(File.Exists(stray));
        }

        /// <summary>
        /// Each run opens a cache of its own, so the count of one run's writes never reached a sixteenth of the cap in
        /// runs of a few answers, and the cache grew without bound. The first write of a run trims when the last trim,
        /// by any run, is an interval old.
        /// </summary>
        [Fact]
        public void TheFirstWriteOfEachRunTrimsAtMostOnceAnInterval()
        {
            ResultCache large = NewCache(maxBytes: 1 << 20);
            for (int i = 0; i < 6; i++)
            {
                large.Set(Key("p" + i), new string('x', 3000)); // the first write trims: nothing over this cap
            }
            ResultCache NextRun() => new ResultCache(_root, TimeSpan.FromDays(1), 10_000) { Now = () => _now };

            NextRun().Set(Key("soon after"), "answer");
            Assert.True(large.GetStatistics().Bytes > 10_000, "a trim less than an interval after the last one waits");

            _now = _now + ResultCache.TrimInterval;
            NextRun().Set(Key("an hour later"), "answer");
            Assert.True(large.GetStatistics().Bytes <= 10_000);
            Assert.Equal("answer", large.TryGet(Key("an hour later")));
        }

        private string EntryFile(string key) => Path.Combine(_root, "v1", key.Substring(0, 2), key + ".json");

        private string TrimMarker => Path.Combine(_root, "v1", ".trimmed");

        private static void SetCreated(string file, long created) =>
            File.WriteAllText(file, Regex.Replace(File.ReadAllText(file), "\"Created\":\\d+", "\"Created\":" + created));

        /// <summary>
        /// A creation time a date can hold (up to 9999-12-31) but that the expiry carries past the last date threw
        /// "un-representable DateTime" out of a lookup (ending Send-VisionChat -PerImage) and out of a full trim (ending
        /// the write that trims). A creation time in the future is a damaged entry: a miss, removed, and replaced.
        /// </summary>
        [Theory]
        [InlineData(253402300799L)] // the last second of 9999
        [InlineData(253400000000L)] // 30 days (the default expiry) before it is past it
        [InlineData(1795608000L)] // the test's clock (2026-11-23 12:00) plus two days
        public void ACreationTimeInTheFutureIsADamagedEntryNotACrash(long created)
        {
            var cache = new ResultCache(_root, TimeSpan.FromDays(30), 1 << 20) { Now = () => _now };
            string key = Key("describe");
            cache.Set(key, "answer");
            SetCreated(EntryFile(key), created);
            Assert.Null(cache.TryGet(key));
            Assert.False(File.Exists(EntryFile(key)));

            cache.Set(key, "answer");
            Assert.Equal("answer", cache.TryGet(key));
            SetCreated(EntryFile(key), created);
            Assert.Equal(1, cache.Trim()); // a full trim opens every entry
            Assert.False(File.Exists(EntryFile(key)));
        }

        /// <summary>An expiry near <see cref="TimeSpan.MaxValue"/> (Set-VisionDefault -CacheExpiry) keeps entries, without overflow.</summary>
        [Fact]
        public void AHugeExpiryKeepsEntriesWithoutOverflowing()
        {
            var cache = new ResultCache(_root, TimeSpan.MaxValue, 1 << 20) { Now = () => _now };
            string key = Key("describe");
            cache.Set(key, "answer");
            _now = _now.AddYears(50);
            Assert.Equal("answer", cache.TryGet(key));
            Assert.Equal(0, cache.Trim());
            Assert.Equal("answer", cache.TryGet(key));
            Assert.Equal(1, cache.GetStatistics().Entries);
        }

        /// <summary>
        /// A last-trim marker dated in the future (a clock set back, another machine's clock on a shared folder) was never an
        /// interval old, so no run trimmed until the clock caught up. A marker a little ahead (clocks a few seconds apart) waits.
        /// </summary>
        [Fact]
        public void ATrimMarkerDatedInTheFutureDoesNotStopTrimming()
        {
            ResultCache large = NewCache(maxBytes: 1 << 20);
            for (int i = 0; i < 6; i++)
            {
                large.Set(Key("p" + i), new string('x', 3000));
            }
            Assert.True(File.Exists(TrimMarker));
            ResultCache NextRun() => new ResultCache(_root, TimeSpan.FromDays(1), 10_000) { Now = () => _now };

            File.SetLastWriteTimeUtc(TrimMarker, _now.UtcDateTime.AddMinutes(1));
            NextRun().Set(Key("a minute behind"), "answer");
            Assert.True(large.GetStatistics().Bytes > 10_000, "a marker within a few minutes ahead is a recent trim");

            File.SetLastWriteTimeUtc(TrimMarker, _now.UtcDateTime.AddDays(2));
            NextRun().Set(Key("two days behind"), "answer");
            Assert.True(large.GetStatistics().Bytes <= 10_000);
            Assert.Equal(_now.UtcDateTime, File.GetLastWriteTimeUtc(TrimMarker));
        }

        /// <summary>
        /// A write over an existing entry that fails (a full disk) was taken for a concurrent writer's entry, because an
        /// entry was in place, and dropped without a word. Only an entry that appeared during the write is another writer's.
        /// </summary>
        [Fact]
        public void AFailedOverwriteOfAnExistingEntryFailsTheWrite()
        {
            ResultCache cache = NewCache();
            string key = Key("describe");
            cache.Set(key, "old answer");
            cache.WriteEntry = (path, bytes) => throw new IOException("No space left on device");
            Assert.ThrowsAny<IOException>(() => cache.Set(key, "new answer"));

            string other = Key("other");
            cache.WriteEntry = (path, bytes) =>
            {
                LocalFiles.WriteAtomic(path, bytes); // another writer got there first, and this write cannot replace it
                throw new IOException("The process cannot access the file because it is being used by another process.");
            };
            cache.Set(other, "answer");
            Assert.Equal("answer", cache.TryGet(other));
        }

        [DllImport("libc", SetLastError = true)]
        private static extern int setfsuid(int fsuid);

        [DllImport("libc")]
        private static extern uint geteuid();

        /// <summary>
        /// Runs <paramref name="action"/> on a thread of its own that, when the tests run as root (who reads any folder), checks
        /// file permissions as the user nobody (Linux's per-thread file-system user drops root's override of them).
        /// </summary>
        private static void AsUnprivilegedUser(Action action)
        {
            Exception? failure = null;
            var thread = new Thread(() =>
            {
                bool root = OperatingSystem.IsLinux() && geteuid() == 0;
                if (root)
                {
                    setfsuid(65534);
                }
                try
                {
                    action();
                }
                catch (Exception ex)
                {
                    failure = ex;
                }
                finally
                {
                    if (root)
                    {
                        setfsuid(0);
                    }
                }
            });
            thread.Start();
            thread.Join();
            if (failure is not null)
            {
                ExceptionDispatchInfo.Capture(failure).Throw();
            }
        }

        /// <summary>
        /// A folder in the cache that cannot be read (another user's) ended the walk of every trim with an access error,
        /// before the last-trim marker was written: every run walked again and the size cap was never kept.
        /// </summary>
        [Fact]
        [UnsupportedOSPlatform("windows")] // folder permissions by Unix file mode (the suite runs on Linux)
        public void AnUnreadableFolderInTheCacheDoesNotStopTrimming()
        {
            AsUnprivilegedUser(() =>
            {
                ResultCache large = NewCache(maxBytes: 1 << 20);
                for (int i = 0; i < 6; i++)
                {
                    large.Set(Key("p" + i), new string('x', 3000));
                }
                File.Delete(TrimMarker);
                string locked = Path.Combine(_root, "v1", "zz");
                Directory.CreateDirectory(locked);
                File.SetUnixFileMode(locked, UnixFileMode.None);
                try
                {
                    Assert.Throws<UnauthorizedAccessException>(() => Directory.GetFiles(locked)); // the setup holds

                    new ResultCache(_root, TimeSpan.FromDays(1), 10_000) { Now = () => _now }.Set(Key("next run"), "answer");
                    Assert.True(large.GetStatistics().Bytes <= 10_000);
                    Assert.True(File.Exists(TrimMarker));
                    Assert.Equal("answer", large.TryGet(Key("next run")));
                    Assert.True(large.Trim() >= 0);
                }
                finally
                {
                    File.SetUnixFileMode(locked, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }
            });
        }

        [Fact]
        public void ClearRemovesAllOrOnlyEntriesUnusedForAWhile()
        {
            ResultCache cache = NewCache();
            cache.Set(Key("old"), "1");
            File.SetLastWriteTimeUtc(Directory.GetFiles(_root, Key("old") + ".json", SearchOption.AllDirectories).Single(), _now.UtcDateTime.AddHours(-5));
            cache.Set(Key("new"), "2");
            File.SetLastWriteTimeUtc(Directory.GetFiles(_root, Key("new") + ".json", SearchOption.AllDirectories).Single(), _now.UtcDateTime);
            Assert.Equal(1, cache.Clear(TimeSpan.FromHours(1)));
            Assert.Equal("2", cache.TryGet(Key("new")));
            Assert.Equal(1, cache.Clear());
            Assert.Equal(0, cache.GetStatistics().Entries);
        }

        [Fact]
        public void RejectsKeysThatAreNotHashes()
        {
            ResultCache cache = NewCache();
            Assert.Throws<ArgumentException>(() => cache.TryGet("../../etc/passwd"));
            Assert.Throws<ArgumentException>(() => cache.Set("ABC", "x"));
        }
    }
}
