using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core.Imaging;
using Xunit;

namespace VisionPS.Core.Tests.Imaging
{
    /// <summary>The batch scheduler: costliest first among the inputs read ahead, results in input order, bounded.</summary>
    public class PrepareSchedulerTests
    {
        private static PreparedImage Image(string name) => new PreparedImage(name, new byte[] { 1 }, "image/png", 1, 1);

        [Fact]
        public async Task TheCostliestInputStartsFirstAndResultsStayInInputOrder()
        {
            // One slot: nothing starts until the inputs are all read (fewer than the look-ahead), then by cost; the
            // first input is not let in ahead of a costlier one just behind it.
            long[] costs = { 10, 5, 900, 7, 300, 300, 1 };
            var started = new ConcurrentQueue<int>();
            using var firstMayFinish = new ManualResetEventSlim(false);
            IEnumerable<(string, long, Func<PreparedImage>)> Items()
            {
                for (int i = 0; i < costs.Length; i++)
                {
                    int n = i;
                    yield return ($"f{n}", costs[n], () =>
                    {
                        started.Enqueue(n);
                        if (n == 2)
                        {
                            Assert.True(firstMayFinish.Wait(TimeSpan.FromSeconds(30)));
                        }
                        return Image($"f{n}");
                    });
                }
            }
            // Let every input queue behind the first before it finishes.
            var release = Task.Run(async () =>
            {
                while (started.IsEmpty)
                {
                    await Task.Delay(10);
                }
                await Task.Delay(300);
                firstMayFinish.Set();
            });
            // No gather delay: the gate opens only when the inputs end, however slow this machine is.
            List<PrepareResult> results = PrepareScheduler.RunMany(Items(), 1, Timeout.InfiniteTimeSpan, CancellationToken.None).ToList();
            await release;

            Assert.Equal(Enumerable.Range(0, costs.Length), results.Select(r => r.Index));
            Assert.Equal(costs.Select((_, i) => $"f{i}"), results.Select(r => r.Image!.SourceName));
            // Equal costs keep input order (4 before 5); the oldest waiting input is passed over at most twice (one
            // slot), so 0 goes third and 1 (passed over by 5 and 3) sixth.
            Assert.Equal(new[] { 2, 4, 0, 5, 3, 1, 6 }, started.ToArray());
        }

        [Fact]
        public void TheFirstInputIsNotStarvedByCostlierOnes()
        {
            // The caller waits for results in input order: a cheap first input behind many costly ones must still
            // start soon (after at most twice the slots), or the first result waits for the whole window.
            var started = new ConcurrentQueue<int>();
            IEnumerable<(string, long, Func<PreparedImage>)> Items()
            {
                for (int i = 0; i < 20; i++)
                {
                    int n = i;
                    yield return ($"f{n}", n == 0 ? 1 : 100 + n, () =>
                    {
                        started.Enqueue(n);
                        return Image($"f{n}");
                    });
                }
            }
            // One slot, so the start order is the admission order.
            List<PrepareResult> results = PrepareScheduler.RunMany(Items(), 1, Timeout.InfiniteTimeSpan, CancellationToken.None).ToList();
            Assert.Equal(Enumerable.Range(0, 20), results.Select(r => r.Index));
            // The two costliest first (input 0 passed over twice, the limit for one slot), then input 0.
            Assert.Equal(new[] { 19, 18, 0, 17, 16 }, started.Take(5).ToArray());
        }

        [Fact]
        public async Task AFullWindowStartsWorkWithoutTheGatherDelay()
        {
            // More inputs than the look-ahead and no gather delay: the gate must open when the window fills, or the
            // enumeration would wait for the first result forever.
            IEnumerable<(string, long, Func<PreparedImage>)> Items()
            {
                for (int i = 0; i < PrepareScheduler.LookAhead + 8; i++)
                {
                    int n = i;
                    yield return ($"f{n}", n, () => Image($"f{n}"));
                }
            }
            Task<List<PrepareResult>> run = Task.Run(() => PrepareScheduler.RunMany(Items(), 1, Timeout.InfiniteTimeSpan, CancellationToken.None).ToList());
            Assert.Same(run, await Task.WhenAny(run, Task.Delay(TimeSpan.FromSeconds(30))));
            Assert.Equal(Enumerable.Range(0, PrepareScheduler.LookAhead + 8), (await run).Select(r => r.Index));
        }

        [Fact]
        public void SlowInputStartsWorkBeforeTheWindowFills()
        {
            // Inputs that arrive slowly (a pipeline, a lazy directory walk) must not wait for the look-ahead to fill.
            var started = new ConcurrentQueue<int>();
            IEnumerable<(string, long, Func<PreparedImage>)> Items()
            {
                for (int i = 0; i < 3; i++)
                {
                    int n = i;
                    yield return ($"f{n}", 1, () =>
                    {
                        started.Enqueue(n);
                        return Image($"f{n}");
                    });
                    if (n == 0)
                    {
                        // Far longer than the gather delay: the first input must have started meanwhile.
                        var waited = System.Diagnostics.Stopwatch.StartNew();
                        while (started.IsEmpty && waited.Elapsed < TimeSpan.FromSeconds(10))
                        {
                            Thread.Sleep(5);
                        }
                        Assert.Equal(new[] { 0 }, started.ToArray());
                    }
                }
            }
            List<PrepareResult> results = PrepareScheduler.RunMany(Items(), 2, CancellationToken.None).ToList();
            Assert.Equal(new[] { 0, 1, 2 }, results.Select(r => r.Index));
        }

        [Fact]
        public void CostGrowsWithTheWorkAFileTakes()
        {
            var options = new PrepareOptions { MaxSide = 2048 };
            static byte[] Png(int width, int height, byte bitDepth, byte colourType)
            {
                byte[] b = new byte[33];
                new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 13, 10, 26, 10, 0, 0, 0, 13, (byte)'I', (byte)'H', (byte)'D', (byte)'R' }.CopyTo(b, 0);
                b[16] = (byte)(width >> 24); b[17] = (byte)(width >> 16); b[18] = (byte)(width >> 8); b[19] = (byte)width;
                b[20] = (byte)(height >> 24); b[21] = (byte)(height >> 16); b[22] = (byte)(height >> 8); b[23] = (byte)height;
                b[24] = bitDepth;
                b[25] = colourType;
                return b;
            }
            // A small, well-compressed RGBA PNG over the size box (resized and re-encoded) outranks a larger file
            // that is a PNG within the box (inflated once to prove it, then passed through).
            long bigLogo = PrepareScheduler.Cost(Png(2135, 2048, 8, 6), 400_000, options);
            long passPng = PrepareScheduler.Cost(Png(1104, 1468, 8, 6), 1_400_000, options);
            Assert.True(bigLogo > passPng, $"{bigLogo} <= {passPng}");
            // Its cost is its pixel data: 2048 rows of a filter byte and 2135 RGBA pixels.
            Assert.Equal(2048L * (1 + (2135 * 4)), bigLogo);
            // 16-bit samples count double; a grey PNG has one sample per pixel.
            Assert.Equal(3000L * (1 + (3000 * 6)), PrepareScheduler.Cost(Png(3000, 3000, 16, 2), 10, options));
            Assert.Equal(3000L * (1 + (3000 * 3)), PrepareScheduler.Cost(Png(3000, 3000, 8, 2), 10, options));
            Assert.Equal(3000L * (1 + 3000), PrepareScheduler.Cost(Png(3000, 3000, 8, 0), 10, options));
            // A JPEG by its length (entropy decoding per compressed byte); anything else, or a stub, by its length.
            Assert.Equal(2_000_000L, PrepareScheduler.Cost(new byte[] { 0xFF, 0xD8, 0xFF, 0xE0 }, 1_000_000, options));
            Assert.Equal(5000L, PrepareScheduler.Cost(new byte[] { (byte)'G', (byte)'I', (byte)'F' }, 5000, options));
            Assert.Equal(7L, PrepareScheduler.Cost(ReadOnlySpan<byte>.Empty, 7, options));
        }

        [Fact]
        public void NoMoreThanTheLimitRunAtOnceAndABadInputOrADefectDoesNotStopTheOthers()
        {
            int running = 0, peak = 0;
            IEnumerable<(string, long, Func<PreparedImage>)> Items()
            {
                for (int i = 0; i < 40; i++)
                {
                    int n = i;
                    yield return ($"f{n}", n % 7, () =>
                    {
                        int now = Interlocked.Increment(ref running);
                        int seen;
                        while ((seen = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, seen) != seen)
                        {
                        }
                        Thread.Sleep(5);
                        Interlocked.Decrement(ref running);
                        if (n == 13)
                        {
                            throw ImageProcessingException.Damaged($"f{n}", ImageFormat.Png, "test damage");
                        }
                        if (n == 21)
                        {
                            // A defect (not a typed image error) in one file's preparation.
                            throw new IndexOutOfRangeException("a bug");
                        }
                        return Image($"f{n}");
                    });
                }
            }
            List<PrepareResult> results = PrepareScheduler.RunMany(Items(), 3, CancellationToken.None).ToList();
            Assert.Equal(40, results.Count);
            Assert.Equal(Enumerable.Range(0, 40), results.Select(r => r.Index));
            Assert.InRange(peak, 1, 3);
            Assert.IsType<ImageProcessingException>(results[13].Error);
            var defect = Assert.IsType<ImageProcessingException>(results[21].Error);
            Assert.Equal(ImageErrorReason.DecodeFailed, defect.Reason);
            Assert.DoesNotContain("IndexOutOfRange", defect.Message, StringComparison.Ordinal);
            Assert.IsType<IndexOutOfRangeException>(defect.InnerException);
            Assert.All(results.Where(r => r.Index != 13 && r.Index != 21), r => Assert.NotNull(r.Image));
        }

        [Fact]
        public void CancellingStopsTheEnumerationAndWaitingInputsNeverStart()
        {
            using var cts = new CancellationTokenSource();
            var started = new ConcurrentQueue<int>();
            IEnumerable<(string, long, Func<PreparedImage>)> Items()
            {
                for (int i = 0; i < 30; i++)
                {
                    int n = i;
                    yield return ($"f{n}", 1, () =>
                    {
                        started.Enqueue(n);
                        if (n == 0)
                        {
                            cts.Cancel();
                        }
                        Thread.Sleep(20);
                        return Image($"f{n}");
                    });
                }
            }
            Assert.ThrowsAny<OperationCanceledException>(() => PrepareScheduler.RunMany(Items(), 1, cts.Token).ToList());
            // The first was running when the cancel came; at most one more had been admitted.
            Assert.InRange(started.Count, 1, 2);
        }
    }
}
