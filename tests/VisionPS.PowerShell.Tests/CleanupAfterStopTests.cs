using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// The deletes that clean up after a stop (Ctrl+C, PowerShell.Stop()) or a failure, against a service whose
    /// DELETE /v1/files/{id} stalls or fails: the stop comes back within the cleanup's own budget, and every file left
    /// on the service is named in a warning with the way to remove it. A service that deletes is cleaned up silently.
    /// </summary>
    public sealed class CleanupAfterStopTests : LocalEndpointTests
    {
        private const string DeleteRoute = "DELETE /v1/files/{id}";

        // The module's cleanup budget (VisionClient.CleanupBudget) is 5 s; a stop may take that and a little more on a
        // busy machine, never the 30 s a stalled request takes to answer.
        private static readonly TimeSpan s_stopLimit = TimeSpan.FromSeconds(10);

        public CleanupAfterStopTests()
            : base("sk-visionps-cleanup-NEVER-PRINT-5e0b", "cleanup")
        {
        }

        private static readonly object[] s_images = { Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("png_wizard_1104x1468_rgba.png") };

        /// <summary>Runs <paramref name="script"/>, stops it once <paramref name="reached"/> (a request that hangs), and answers how long Stop() took.</summary>
        private TimeSpan StopWhen(System.Management.Automation.PowerShell shell, Func<bool> reached)
        {
            IAsyncResult running = shell.BeginInvoke();
            var wait = Stopwatch.StartNew();
            while (!reached() && !running.IsCompleted && wait.Elapsed < TimeSpan.FromSeconds(60))
            {
                Thread.Sleep(20);
            }
            // (Not shell.Streams here: enumerating a stream of a running pipeline waits for its end.)
            Assert.True(reached(), $"The run never reached the request to stop at ({shell.InvocationStateInfo.State}).");
            Thread.Sleep(200); // the request is under way
            var stop = Stopwatch.StartNew();
            shell.Stop();
            stop.Stop();
            Assert.True(shell.InvocationStateInfo.State == PSInvocationState.Stopped,
                $"{shell.InvocationStateInfo.State} after Stop() took {stop.Elapsed}; requests: "
                + string.Join("; ", Host.Requests.Select(r => $"{r.Method} {r.Path} {r.Status} {r.ReceivedAt:HH:mm:ss.fff}-{r.AnsweredAt:HH:mm:ss.fff}"))
                + "; errors: " + string.Join("; ", shell.Streams.Error.Select(e => e.FullyQualifiedErrorId + " " + e)));
            Assert.True(running.IsCompleted);
            return stop.Elapsed;
        }

        private const string Attach = "Add-AssistantImage -Prompt 'These.' -Image $args[0], $args[1]";
        private const string Batch = "$args | Start-VisionBatch 'What is this?' -Detail Low";

        /// <summary>
        /// Runs <paramref name="script"/> on the two images with <paramref name="faults"/> set for their routes, stops it
        /// once <paramref name="reached"/>, checks the stop came back within the limit, and answers the warnings written.
        /// </summary>
        private List<string> StopWithin(string script, Func<bool> reached, params (string Route, string Fault)[] faults)
        {
            foreach ((string route, string fault) in faults)
            {
                Host.State.RouteFaults[route] = fault;
            }
            using var ps = Session();
            using var shell = ps.CreateShell();
            shell.AddScript(script).AddArgument(s_images[0]).AddArgument(s_images[1]);

            TimeSpan stop = StopWhen(shell, reached);

            Assert.True(stop < s_stopLimit, $"Stop took {stop}");
            return shell.Streams.Warning.Select(w => w.Message).ToList();
        }

        private List<string> StoredIds(string purpose) => Host.State.Files.Values.Where(f => f.Purpose == purpose).Select(f => f.Id).OrderBy(id => id, StringComparer.Ordinal).ToList(); // ids count up: upload order

        private int Deletes => Host.Requests.Count(r => r.Method == "DELETE" && r.Path.StartsWith("/v1/files/", StringComparison.Ordinal));

        /// <summary>A cleanup warning: names each file left and how to remove it, in VisionPS's words, without the key.</summary>
        private void AssertNamesFilesLeft(string warning, IReadOnlyCollection<string> ids, string reason)
        {
            Assert.NotEmpty(ids);
            foreach (string id in ids)
            {
                Assert.Contains($"{id} ({reason}", warning, StringComparison.Ordinal);
            }
            Assert.Contains("Remove-VisionFile " + string.Join(", ", ids), warning, StringComparison.Ordinal);
            Assert.DoesNotContain("Exception", warning, StringComparison.Ordinal);
            Assert.DoesNotContain(Key, warning, StringComparison.Ordinal);
        }

        [Fact]
        public void AddAssistantImageStoppedWithDeletesStalledReturnsWithinTheBudgetAndNamesTheUploadsLeft()
        {
            // The message's conversation and every delete hang (a stalled service): Ctrl+C while the message is added.
            List<string> warnings = StopWithin(Attach, () => Host.State.RequestsTo("/v1/conversations").Count > 0, ("POST /v1/conversations", "slow=30000"), (DeleteRoute, "slow=30000"));

            List<string> left = StoredIds("vision");
            Assert.Equal(2, left.Count);
            Assert.Equal(2, Deletes); // both were tried, side by side, once each
            string warning = Assert.Single(warnings);
            Assert.StartsWith("Add-AssistantImage stopped before its message was added, and 2 of the 2 file(s) it had uploaded could not be deleted again:", warning, StringComparison.Ordinal);
            AssertNamesFilesLeft(warning, left, "no answer within the 5 s cleanup allows");
        }

        [Fact]
        public void AddAssistantImageStoppedWithDeletesFailingNamesTheUploadsLeftAndWhy()
        {
            List<string> warnings = StopWithin(Attach, () => Host.State.RequestsTo("/v1/conversations").Count > 0, ("POST /v1/conversations", "slow=30000"), (DeleteRoute, "500"));

            List<string> left = StoredIds("vision");
            Assert.Equal(2, left.Count);
            Assert.Equal(4, Deletes); // one quick retry each (-MaxRetries 1), no long back-off
            string warning = Assert.Single(warnings);
            AssertNamesFilesLeft(warning, left, "HTTP 500: The server had an error while processing your request.");
        }

        [Fact]
        public void AddAssistantImageStoppedAgainstAServiceThatDeletesLeavesNothingAndSaysNothing()
        {
            List<string> warnings = StopWithin(Attach, () => Host.State.RequestsTo("/v1/conversations").Count > 0, ("POST /v1/conversations", "slow=30000"));

            Assert.Empty(StoredIds("vision"));
            Assert.Equal(2, Deletes);
            Assert.Empty(warnings);
        }

        [Fact]
        public void AddAssistantImageWhoseMessageFailsNamesTheUploadsItCouldNotDeleteInItsError()
        {
            Host.State.RouteFaults[DeleteRoute] = "slow=30000";
            using var ps = Session();
            var stopwatch = Stopwatch.StartNew();

            var output = ps.Run("Add-AssistantImage -Prompt 'These.' -Image $args[0] -ConversationId conv_doesnotexist", s_images[0]);

            Assert.True(stopwatch.Elapsed < s_stopLimit + TimeSpan.FromSeconds(5), $"Add-AssistantImage took {stopwatch.Elapsed}");
            Assert.Empty(output);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("AssistantImageFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            AssertNamesFilesLeft(error.ToString(), StoredIds("vision"), "no answer within the 5 s cleanup allows");
        }

        /// <summary>
        /// The message fails and its cleanup stalls, and the user presses Ctrl+C while it waits: the failure's error goes
        /// down with the stop, so the uploads left are named in a warning.
        /// </summary>
        [Fact]
        public void AddAssistantImageStoppedDuringTheCleanupOfAFailedMessageStillNamesTheUploadsLeft()
        {
            List<string> warnings = StopWithin(Attach, () => Deletes > 0, ("POST /v1/conversations", "500"), (DeleteRoute, "slow=30000"));

            List<string> left = StoredIds("vision");
            Assert.Equal(2, left.Count);
            string warning = Assert.Single(warnings);
            Assert.StartsWith("No message was added, and 2 of the 2 file(s) uploaded for it could not be deleted again:", warning, StringComparison.Ordinal);
            AssertNamesFilesLeft(warning, left, "no answer within the 5 s cleanup allows");
        }

        /// <summary>The batch's creation fails and the input file's delete stalls; Ctrl+C while it waits still names the file left.</summary>
        [Fact]
        public void StartVisionBatchStoppedDuringTheCleanupOfAFailedCreationStillNamesTheInputFileLeft()
        {
            List<string> warnings = StopWithin(Batch, () => Deletes > 0, ("POST /v1/batches", "500"), (DeleteRoute, "slow=30000"));

            string input = Assert.Single(StoredIds("batch"));
            string warning = Assert.Single(warnings);
            Assert.StartsWith("Start-VisionBatch could not create batch part 1.", warning, StringComparison.Ordinal);
            AssertNamesFilesLeft(warning, new[] { input }, "no answer within the 5 s cleanup allows");
        }

        [Fact]
        public void StartVisionBatchStoppedWithTheDeleteStalledReturnsWithinTheBudgetAndNamesTheInputFileLeft()
        {
            // The batch's creation and the input file's delete hang: Ctrl+C while the batch is created.
            List<string> warnings = StopWithin(Batch, () => Host.State.RequestsTo("/v1/batches").Count > 0, ("POST /v1/batches", "slow=30000"), (DeleteRoute, "slow=30000"));

            string input = Assert.Single(StoredIds("batch"));
            Assert.Equal(1, Deletes);
            string warning = Assert.Single(warnings);
            Assert.StartsWith("Start-VisionBatch stopped while batch part 1 was being created. Its uploaded input file could not be deleted again", warning, StringComparison.Ordinal);
            AssertNamesFilesLeft(warning, new[] { input }, "no answer within the 5 s cleanup allows");
        }

        [Fact]
        public void StartVisionBatchStoppedAgainstAServiceThatDeletesLeavesNoInputFileAndSaysNothing()
        {
            List<string> warnings = StopWithin(Batch, () => Host.State.RequestsTo("/v1/batches").Count > 0, ("POST /v1/batches", "slow=30000"));

            Assert.Empty(StoredIds("batch"));
            Assert.Equal(1, Deletes);
            Assert.Empty(warnings);
        }

        [Fact]
        public void StartVisionBatchWhoseCreationFailsNamesTheInputFileItCouldNotDeleteInItsError()
        {
            Host.State.RouteFaults["POST /v1/batches"] = "500";
            Host.State.RouteFaults[DeleteRoute] = "500";
            using var ps = Session();

            var output = ps.Run("$args | Start-VisionBatch 'What is this?' -Detail Low", s_images[0]);

            Assert.Empty(output);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("BatchRequestFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            string input = Assert.Single(StoredIds("batch"));
            Assert.Contains("Its uploaded input file could not be deleted again and is left on the service", error.ToString(), StringComparison.Ordinal);
            AssertNamesFilesLeft(error.ToString(), new[] { input }, "HTTP 500: The server had an error while processing your request.");
        }
    }
}
