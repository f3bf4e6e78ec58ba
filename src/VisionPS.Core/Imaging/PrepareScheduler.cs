using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.Imaging
{
    /// <summary>
    /// Runs many preparations on all cores: a bounded number in flight, results in input order as soon as each is
    /// ready, one result per input (a bad file never stops the others).
    /// </summary>
    internal static class PrepareScheduler
    {
        public static IEnumerable<PrepareResult> RunMany(IEnumerable<(string Name, Func<PreparedImage> Work)> items,
            int maxParallel, CancellationToken cancellationToken)
        {
            int degree = maxParallel > 0 ? maxParallel : Environment.ProcessorCount;
            // A window twice the decode limit keeps every core busy while the consumer waits on the oldest item;
            // finished results wait in the window, so memory stays bounded by 2 x degree prepared images.
            var window = new Queue<Task<PrepareResult>>();
            using var gate = new SemaphoreSlim(degree, degree);
            using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            try
            {
                int index = 0;
                foreach ((string name, Func<PreparedImage> work) in items)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    int i = index++;
                    window.Enqueue(RunOne(i, name, work, gate, stop.Token));
                    if (window.Count >= degree * 2)
                    {
                        yield return Take(window.Dequeue(), cancellationToken);
                    }
                }
                while (window.Count > 0)
                {
                    yield return Take(window.Dequeue(), cancellationToken);
                }
            }
            finally
            {
                stop.Cancel();
                // Let started work finish before the semaphore goes away.
                foreach (Task<PrepareResult> t in window)
                {
                    try
                    {
                        t.Wait();
                    }
                    catch (AggregateException)
                    {
                    }
                }
            }
        }

        private static async Task<PrepareResult> RunOne(int index, string name, Func<PreparedImage> work,
            SemaphoreSlim gate, CancellationToken token)
        {
            await gate.WaitAsync(token).ConfigureAwait(false);
            try
            {
                token.ThrowIfCancellationRequested();
                var sw = Stopwatch.StartNew();
                try
                {
                    PreparedImage image = await Task.Run(work, token).ConfigureAwait(false);
                    return new PrepareResult(index, name, image, null, sw.Elapsed);
                }
                catch (Exception ex) when (ex is ImageProcessingException || ex is IOException || ex is UnauthorizedAccessException
                    || ex is ArgumentException || ex is NotSupportedException)
                {
                    return new PrepareResult(index, name, null, ex, sw.Elapsed);
                }
            }
            finally
            {
                gate.Release();
            }
        }

        private static PrepareResult Take(Task<PrepareResult> task, CancellationToken cancellationToken)
        {
            try
            {
                task.Wait(cancellationToken);
            }
            catch (AggregateException ex) when (ex.InnerException is OperationCanceledException oce)
            {
                throw oce;
            }
            return task.Result;
        }
    }
}
