using System;
using System.IO;
using System.Threading.Tasks;
using Xunit;

namespace VisionPS.Core.Tests.Caching
{
    public sealed class LocalFilesTests : IDisposable
    {
        private readonly string _dir = Path.Combine(Path.GetTempPath(), "visionps-localfiles-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            if (Directory.Exists(_dir))
            {
                Directory.Delete(_dir, true);
            }
        }

        [Fact]
        public async Task AnUpdateWaitsForAnotherOnTheSameFileAndKeepsItsChange()
        {
            string path = Path.Combine(_dir, "settings.json");
            using var inside = new System.Threading.ManualResetEventSlim();
            using var release = new System.Threading.ManualResetEventSlim();
            Task first = Task.Run(() => LocalFiles.Update(path, current =>
            {
                inside.Set();
                release.Wait(TimeSpan.FromSeconds(30));
                return System.Text.Encoding.UTF8.GetBytes("first");
            }));
            Assert.True(inside.Wait(TimeSpan.FromSeconds(30)));
            // While the first holds the file, a second cannot read it: it waits, and past its wait says why in words.
            FileLockedException busy = Assert.Throws<FileLockedException>(() => LocalFiles.Update(path, _ => throw new InvalidOperationException("read while locked"), TimeSpan.FromMilliseconds(100)));
            Assert.Contains(path, busy.Message, StringComparison.Ordinal);
            Assert.Contains("another PowerShell session", busy.Message, StringComparison.Ordinal);
            byte[]? seen = null;
            Task second = Task.Run(() => LocalFiles.Update(path, current =>
            {
                seen = current;
                return System.Text.Encoding.UTF8.GetBytes("second after " + System.Text.Encoding.UTF8.GetString(current!));
            }));
            release.Set();
            await Task.WhenAll(first, second).WaitAsync(TimeSpan.FromSeconds(30));
            Assert.Equal("first", System.Text.Encoding.UTF8.GetString(seen!));
            Assert.Equal("second after first", File.ReadAllText(path));

            LocalFiles.Update(path, _ => null);
            Assert.False(File.Exists(path));
        }

        [Fact]
        public void AStopEndsTheWaitForTheLockAtOnce()
        {
            string path = Path.Combine(_dir, "settings.json");
            Directory.CreateDirectory(_dir);
            using var held = new FileStream(path + ".lock", FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            using var stop = new System.Threading.CancellationTokenSource();
            stop.Cancel();
            var clock = System.Diagnostics.Stopwatch.StartNew();

            Assert.ThrowsAny<OperationCanceledException>(() => LocalFiles.Update(path, _ => throw new InvalidOperationException("read while locked"), TimeSpan.FromSeconds(5), stop.Token));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"waited {clock.Elapsed}");
        }

        [Fact]
        public void AReplaceRefusedWhileAnotherProgramReadsTheFileIsTriedAgainUntilTheWaitRunsOut()
        {
            int tries = 0;
            LocalFiles.RetryWhileShared(() =>
            {
                if (++tries < 3)
                {
                    throw new IOException("The process cannot access the file because it is being used by another process.", unchecked((int)0x80070020));
                }
            }, () => true);
            Assert.Equal(3, tries);

            tries = 0;
            Assert.Throws<IOException>(() => LocalFiles.RetryWhileShared(() =>
            {
                tries++;
                throw new IOException("used by another process", unchecked((int)0x80070020));
            }, () => tries < 4));
            Assert.Equal(4, tries);

            // Any other failure (a full disk, a folder that is not writable) is not waited out.
            tries = 0;
            Assert.Throws<IOException>(() => LocalFiles.RetryWhileShared(() =>
            {
                tries++;
                throw new IOException("There is not enough space on the disk.");
            }, () => true));
            Assert.Equal(1, tries);
        }

        /// <summary>
        /// A FIFO where a file is read (an answer-cache entry, settings.json) hung the read: the open waited for a writer.
        /// The read now opens without waiting and says the FIFO is not a regular file; no FIFO is taken for an empty file.
        /// </summary>
        [Fact]
        [System.Runtime.Versioning.UnsupportedOSPlatform("windows")] // FIFOs are made by mkfifo (the suite runs on Linux)
        public void AFifoIsNotReadAndTheReadDoesNotWaitForAWriter()
        {
            Directory.CreateDirectory(_dir);
            string fifo = Path.Combine(_dir, "settings.json");
            Fifo.Make(fifo);
            Assert.Null(Fifo.Within(() => LocalFiles.ReadShared(fifo, 1 << 20), fifo));
            IOException error = Fifo.Within(() => Assert.ThrowsAny<IOException>(() => LocalFiles.ReadShared(fifo)), fifo);
            Assert.Contains(fifo, error.Message, StringComparison.Ordinal);
            Assert.Contains("not a regular file", error.Message, StringComparison.Ordinal);
            Assert.Throws<FileNotFoundException>(() => LocalFiles.ReadShared(Path.Combine(_dir, "absent.json")));
            Assert.Throws<DirectoryNotFoundException>(() => LocalFiles.ReadShared(Path.Combine(_dir, "absent", "a.json")));
            Assert.Throws<UnauthorizedAccessException>(() => LocalFiles.ReadShared(_dir));
        }

        /// <summary>
        /// Each read allocated an 80 KB buffer whatever the file's size: a trim of 20,000 small entries allocated 1.7 GB.
        /// The buffer now fits the file.
        /// </summary>
        [Fact]
        public void ASmallFileIsReadWithoutAnEightyKilobyteBuffer()
        {
            Directory.CreateDirectory(_dir);
            string file = Path.Combine(_dir, "entry.json");
            File.WriteAllText(file, new string('x', 500));
            Assert.Equal(500, LocalFiles.ReadShared(file, 1 << 20)!.Length); // warm up (JIT, types)
            long before = GC.GetAllocatedBytesForCurrentThread();
            byte[]? bytes = LocalFiles.ReadShared(file, 1 << 20);
            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.Equal(500, bytes!.Length);
            Assert.True(allocated < 16_000, $"a 500-byte read allocated {allocated} bytes");
            File.WriteAllBytes(file, Array.Empty<byte>());
            Assert.Empty(LocalFiles.ReadShared(file));
            File.WriteAllText(file, new string('y', 200_000));
            Assert.Equal(200_000, LocalFiles.ReadShared(file).Length);
            Assert.Null(LocalFiles.ReadShared(file, 199_999));
        }

        [Fact]
        public void TheOverrideVariableWinsAndEachKindHasItsOwnFolder()
        {
            string variable = "VISIONPS_TEST_FOLDER_" + Guid.NewGuid().ToString("N");
            Environment.SetEnvironmentVariable(variable, _dir);
            try
            {
                Assert.Equal(_dir, LocalFiles.UserFolder(UserFolderKind.Data, "Batches", variable));
            }
            finally
            {
                Environment.SetEnvironmentVariable(variable, null);
            }
            string cache = LocalFiles.UserFolder(UserFolderKind.Cache, "Cache");
            string data = LocalFiles.UserFolder(UserFolderKind.Data, "Batches");
            string config = LocalFiles.UserFolder(UserFolderKind.Config, "Settings");
            Assert.NotEqual(cache, data);
            Assert.NotEqual(data, config);
            Assert.All(new[] { cache, data, config }, p => Assert.Contains("VisionPS", p, StringComparison.Ordinal));
            if (OperatingSystem.IsLinux())
            {
                string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
                string? xdgCache = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
                Assert.Equal(Path.Combine(string.IsNullOrEmpty(xdgCache) ? Path.Combine(home, ".cache") : xdgCache, "VisionPS"), cache);
                Assert.EndsWith(Path.Combine("VisionPS", "batches"), data, StringComparison.Ordinal);
                Assert.EndsWith(Path.Combine("VisionPS", "settings"), config, StringComparison.Ordinal);
            }
        }

        [Fact]
        public void AnAtomicWriteReplacesTheFileWholeAndLeavesNoTemporaryFile()
        {
            string path = Path.Combine(_dir, "sub", "record.json");
            LocalFiles.WriteAtomic(path, new byte[] { 1, 2, 3 });
            LocalFiles.WriteAtomic(path, new byte[] { 4, 5 });
            Assert.Equal(new byte[] { 4, 5 }, File.ReadAllBytes(path));
            Assert.Single(Directory.GetFiles(Path.Combine(_dir, "sub")));
        }

        [Fact]
        public async Task ConcurrentWritersNeverLeaveAHalfWrittenFile()
        {
            string path = Path.Combine(_dir, "shared.bin");
            byte[] a = new byte[200_000];
            byte[] b = new byte[150_000];
            Array.Fill(a, (byte)'a');
            Array.Fill(b, (byte)'b');
            await Task.WhenAll(Task.Run(() => Write(a)), Task.Run(() => Write(b)));
            byte[] final = File.ReadAllBytes(path);
            Assert.True(final.AsSpan().SequenceEqual(a) || final.AsSpan().SequenceEqual(b));
            Assert.Single(Directory.GetFiles(_dir));

            void Write(byte[] bytes)
            {
                for (int i = 0; i < 20; i++)
                {
                    try
                    {
                        LocalFiles.WriteAtomic(path, bytes);
                    }
                    catch (IOException)
                    {
                        // Windows may refuse a replace while the other writer moves; never a torn file.
                    }
                }
            }
        }
    }
}
