using System;
using System.ClientModel;
using System.ClientModel.Primitives;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;

namespace VisionPS.Core.OpenAI
{
    /// <summary>A file the cleanup after a stop or a failure could not delete: it is still on the service.</summary>
    public sealed class FileLeft
    {
        internal FileLeft(string id, string reason)
        {
            Id = id;
            Reason = reason;
        }

        /// <summary>The file's id (file-...).</summary>
        public string Id { get; }

        /// <summary>Why it is still there, in words (no answer in time, or the service's error), without credentials.</summary>
        public string Reason { get; }

        /// <summary>"file-a (reason), file-b (reason)".</summary>
        public static string Describe(IEnumerable<FileLeft> files) => string.Join(", ", files.Select(f => $"{f.Id} ({f.Reason})"));
    }

    /// <summary>
    /// Cleanup deletes: the files a run uploaded and no longer needs (a stop, a failure before they were used) are
    /// deleted within a short budget of their own, so a stalled or failing service never holds up the stop.
    /// </summary>
    public sealed partial class VisionClient
    {
        /// <summary>How long the cleanup deletes of one run may take altogether (they run side by side).</summary>
        public static readonly TimeSpan CleanupBudget = TimeSpan.FromSeconds(5);

        /// <summary>How many cleanup deletes are in flight at once.</summary>
        private const int CleanupParallelism = 8;

        /// <summary>
        /// Deletes files this run uploaded and no longer needs, after a stop or a failure: not cancelled by the run's
        /// token (a stopped run still cleans up), but all of them within <paramref name="budget"/> (default
        /// <see cref="CleanupBudget"/>), with at most one quick retry each and none of the usual long back-off. Never
        /// throws for a delete that fails; answers the files still on the service, each with why (a file the service
        /// no longer knows counts as deleted).
        /// </summary>
        public async Task<IReadOnlyList<FileLeft>> DeleteUnusedFilesAsync(IEnumerable<string> fileIds, TimeSpan? budget = null)
        {
            ThrowIfDisposed();
            if (fileIds is null)
            {
                throw new ArgumentNullException(nameof(fileIds));
            }
            string[] ids = fileIds.Where(id => !string.IsNullOrEmpty(id)).Distinct(StringComparer.Ordinal).ToArray();
            if (ids.Length == 0)
            {
                return Array.Empty<FileLeft>();
            }
            TimeSpan limit = budget ?? CleanupBudget;
            using var deadline = new CancellationTokenSource(limit);
            using var slots = new SemaphoreSlim(CleanupParallelism);
            string?[] reasons = await Task.WhenAll(ids.Select(id => DeleteUnusedFileAsync(id, limit, slots, deadline.Token))).ConfigureAwait(false);
            return ids.Zip(reasons, (id, reason) => reason is null ? null : new FileLeft(id, reason)).Where(f => f is not null).ToList()!;
        }

        /// <summary>One cleanup delete; null when the file is gone, else why it is still there.</summary>
        private async Task<string?> DeleteUnusedFileAsync(string fileId, TimeSpan limit, SemaphoreSlim slots, CancellationToken deadline)
        {
            string timedOut = $"no answer within the {limit.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s cleanup allows";
            try
            {
                await slots.WaitAsync(deadline).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return timedOut;
            }
            try
            {
                RequireId(fileId, nameof(fileId));
                RequestOptions options = Options(deadline);
                options.AddPolicy(CleanupCallPolicy.Instance, PipelinePosition.PerCall);
                ClientResult result = await GuardAsync(() => _files.DeleteFileAsync(fileId, options), deadline).ConfigureAwait(false);
                return IsDeleted(result.GetRawResponse()) ? null : "the service answered that it did not delete it";
            }
            catch (OperationCanceledException) when (deadline.IsCancellationRequested)
            {
                return timedOut;
            }
            catch (OpenAIRequestException ex) when (ex.Status == 404)
            {
                return null; // not there (any more): nothing is left behind
            }
            catch (OpenAIRequestException ex)
            {
                return ex.Status == 0 ? ex.ServerMessage : $"HTTP {ex.Status.ToString(CultureInfo.InvariantCulture)}: {ex.ServerMessage}";
            }
            catch (ArgumentException)
            {
                return "not a valid file id";
            }
            catch (Exception ex) when (ex is InvalidOperationException or ObjectDisposedException or NotSupportedException
                or System.Net.Http.HttpRequestException or System.IO.IOException or OperationCanceledException)
            {
                // What the transport does not translate (a disposed client, a proxy it cannot use): the file is left,
                // and the cleanup still reports every other file instead of failing as a whole.
                return "the delete could not be sent";
            }
            finally
            {
                slots.Release();
            }
        }
    }

    /// <summary>
    /// Marks a request as a cleanup delete (per call, before retries): <see cref="VisionRetryPolicy"/> then retries it
    /// at most once, after a short pause, and the rate-limit back-off (<see cref="RateLimitPolicy"/>) neither holds it
    /// nor gives it free retries.
    /// </summary>
    internal sealed class CleanupCallPolicy : PipelinePolicy
    {
        internal static readonly CleanupCallPolicy Instance = new CleanupCallPolicy();

        /// <summary>The most a cleanup delete waits before its one retry.</summary>
        internal static readonly TimeSpan MaxRetryDelay = TimeSpan.FromMilliseconds(500);

        internal static bool IsCleanup(PipelineMessage message) => message.TryGetProperty(typeof(CleanupCallPolicy), out object? value) && value is true;

        public override void Process(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.SetProperty(typeof(CleanupCallPolicy), true);
            ProcessNext(message, pipeline, currentIndex);
        }

        public override ValueTask ProcessAsync(PipelineMessage message, IReadOnlyList<PipelinePolicy> pipeline, int currentIndex)
        {
            message.SetProperty(typeof(CleanupCallPolicy), true);
            return ProcessNextAsync(message, pipeline, currentIndex);
        }
    }
}
