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
        public async Task TheCostliestWaitingInputStartsFirstAndResultsStayInInputOrder()
        {
            // One slot: the first input takes it at once; while it runs, the rest queue and start by cost.
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
                        if (n == 0)
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
            List<PrepareResult> results = PrepareScheduler.RunMany(Items(), 1, CancellationToken.None).ToList();
            await release;

            Assert.Equal(Enumerable.Range(0, costs.Length), results.Select(r => r.Index));
            Assert.Equal(costs.Select((_, i) => $"f{i}"), results.Select(r => r.Image!.SourceName));
            // Equal costs keep input order (4 before 5).
            Assert.Equal(new[] { 0, 2, 4, 5, 3, 1, 6 }, started.ToArray());
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
