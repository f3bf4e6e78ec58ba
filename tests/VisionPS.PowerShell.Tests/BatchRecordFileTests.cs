using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>
    /// Batch record files that VisionPS did not write as they are (a shared -BatchPath folder, an editor, a sync tool):
    /// Get-VisionBatch -Local and the Tab completion of -Id go on with the good records and never run what a file says.
    /// </summary>
    public sealed class BatchRecordFileTests : LocalEndpointTests
    {
        public BatchRecordFileTests()
            : base("sk-visionps-records-NEVER-PRINT-5d2e", "records")
        {
        }

        /// <summary>Writes a record file as Start-VisionBatch would (or with <paramref name="change"/> applied), named after <paramref name="fileId"/>.</summary>
        private string Record(string fileId, DateTimeOffset submitted, int items = 1, Action<Dictionary<string, object?>>? change = null, string? prompt = null)
        {
            var record = new Dictionary<string, object?>
            {
                ["BatchId"] = fileId,
                ["BaseUri"] = "http://127.0.0.1:1/v1",
                ["Api"] = "chat",
                ["Model"] = "gpt-4o",
                ["Prompt"] = prompt ?? "Caption " + fileId + ".",
                ["Detail"] = "Low",
                ["Part"] = 1,
                ["Parts"] = 1,
                ["SubmissionId"] = "sub-" + fileId,
                ["SubmittedAt"] = submitted,
                ["Items"] = Enumerable.Range(0, items).Select(i => new Dictionary<string, object?>
                {
                    ["CustomId"] = $"img-{i:D6}",
                    ["Source"] = $"/photos/holiday/2026/{fileId}/IMG_{i:D6}.jpg",
                    ["Sha256"] = new string('a', 64),
                    ["EstimatedTokens"] = 85,
                }).ToList(),
            };
            change?.Invoke(record);
            Directory.CreateDirectory(Records);
            string path = Path.Combine(Records, fileId + ".json");
            File.WriteAllText(path, JsonSerializer.Serialize(record));
            return path;
        }

        private static List<CompletionResult> Complete(PowerShellSession ps, string line)
            => ps.Run("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches", line).Select(o => (CompletionResult)o.BaseObject).ToList();

        [Fact]
        public void GetVisionBatchLocalWarnsAboutARecordWithoutItsOwnBatchIdAndListsTheOthers()
        {
            using var ps = Session();
            var start = DateTimeOffset.UtcNow.AddHours(-5);
            Record("batch_older", start);
            Record("batch_newer", start.AddHours(1));
            string empty = Path.Combine(Records, "batch_empty.json");
            File.WriteAllText(empty, "{}");
            string none = Record("batch_nullid", start.AddHours(2), change: r => r["BatchId"] = null);
            string other = Record("batch_copied", start.AddHours(3), change: r => r["BatchId"] = "batch_elsewhere");

            List<string> ids = ps.Run("Get-VisionBatch -Local | ForEach-Object Id").Select(o => o?.ToString() ?? "(null)").ToList();

            Assert.Empty(ps.Errors);
            Assert.Equal(new[] { "batch_newer", "batch_older" }, ids);
            Assert.Equal(3, ps.Warnings.Count);
            Assert.Contains(ps.Warnings, w => w.Contains(empty, StringComparison.Ordinal) && w.Contains("names no batch id", StringComparison.Ordinal));
            Assert.Contains(ps.Warnings, w => w.Contains(none, StringComparison.Ordinal) && w.Contains("names no batch id", StringComparison.Ordinal));
            Assert.Contains(ps.Warnings, w => w.Contains(other, StringComparison.Ordinal) && w.Contains("'batch_elsewhere'", StringComparison.Ordinal));
            Assert.All(ps.Warnings, w => Assert.DoesNotContain("System.", w, StringComparison.Ordinal));

            // Asked for by name, the record that is not its own is unreadable (warned about), not missing and not another batch.
            var named = ps.Run("Get-VisionBatch -Id batch_copied -Local");
            Assert.Empty(named);
            Assert.Empty(ps.Errors);
            Assert.Contains(ps.Warnings, w => w.Contains(other, StringComparison.Ordinal));
        }

        [Fact]
        public void TabCompletionOffersOnlyIdsThatTheParameterAcceptsNeverCommandText()
        {
            using var ps = Session();
            var start = DateTimeOffset.UtcNow.AddHours(-5);
            Record("batch_good", start);
            Record("x; Write-Host PWNED #", start.AddHours(1));
            Record("x$(Write-Host PWNED)", start.AddHours(2));
            Record("-Confirm", start.AddHours(3));
            Record("batch_line\n", start.AddHours(4));

            List<CompletionResult> offered = Complete(ps, "Get-VisionBatch -Id ");

            Assert.Equal(new[] { "batch_good" }, offered.Select(c => c.CompletionText));
            // Nothing left to offer: PowerShell falls back to file names, of an empty folder here.
            string nothing = Path.Combine(Work, "empty");
            Directory.CreateDirectory(nothing);
            ps.Run("Set-Location -LiteralPath $args[0]", nothing);
            Assert.Empty(Complete(ps, "Get-VisionBatch -Id x"));
        }

        [Fact]
        public void TabCompletionAndGetVisionBatchLocalGoOnPastRecordsWithNullFields()
        {
            using var ps = Session();
            var start = DateTimeOffset.UtcNow.AddHours(-5);
            Record("batch_plain", start);
            Record("batch_noprompt", start.AddHours(1), change: r => r["Prompt"] = null);
            Record("batch_noitems", start.AddHours(2), change: r => r["Items"] = null);
            Record("batch_nomodel", start.AddHours(3), change: r => { r["Model"] = null; r["SubmissionId"] = null; });
            Record("batch_nullitem", start.AddHours(4), change: r => r["Items"] = new object?[] { null });
            string bom = Record("batch_bom", start.AddHours(5)); // saved again by an editor that writes a UTF-8 BOM
            File.WriteAllBytes(bom, new byte[] { 0xEF, 0xBB, 0xBF }.Concat(File.ReadAllBytes(bom)).ToArray());

            List<CompletionResult> offered = Complete(ps, "Receive-VisionBatch -Id ");

            Assert.Equal(new[] { "batch_bom", "batch_nullitem", "batch_nomodel", "batch_noitems", "batch_noprompt", "batch_plain" }, offered.Select(c => c.CompletionText));
            Assert.Contains("Caption batch_plain.", offered.Last().ToolTip, StringComparison.Ordinal);
            Assert.Contains("1 image(s)", offered.Last().ToolTip, StringComparison.Ordinal);

            List<string> ids = ps.Run("Get-VisionBatch -Local | ForEach-Object Id").Select(o => o?.ToString() ?? "(null)").ToList();
            Assert.Empty(ps.Errors);
            Assert.Equal(new[] { "batch_bom", "batch_nullitem", "batch_nomodel", "batch_noitems", "batch_noprompt", "batch_plain" }, ids);
        }

        [Fact]
        public void TabCompletionIsNotHeldByAFifoAndReadsOnlyTheHeadOfAHugeRecord()
        {
            using var ps = Session();
            var start = DateTimeOffset.UtcNow.AddHours(-5);
            Record("batch_small", start);
            // ~10 MB: 50,000 requests, the most one batch holds.
            string huge = Record("batch_huge", start.AddHours(1), items: 50_000, prompt: "Read the huge one.");
            Assert.True(new FileInfo(huge).Length > 5_000_000);
            string fifo = Path.Combine(Records, "batch_fifo.json");
            using (var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", new[] { fifo }) { UseShellExecute = false })!)
            {
                mkfifo.WaitForExit();
                Assert.Equal(0, mkfifo.ExitCode);
            }

            using System.Management.Automation.PowerShell shell = ps.CreateShell();
            shell.AddScript("(TabExpansion2 -inputScript $args[0] -cursorColumn $args[0].Length).CompletionMatches").AddArgument("Wait-VisionBatch -Id ");
            IAsyncResult running = shell.BeginInvoke();
            bool done = running.AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(30));
            if (!done)
            {
                using (new FileStream(fifo, FileMode.Open, FileAccess.Write))
                {
                    // a writer that closes at once lets a reader blocked on the FIFO go on
                }
            }
            var offered = shell.EndInvoke(running).Select(o => (CompletionResult)o.BaseObject).ToList();

            Assert.True(done, "Tab waited on the FIFO in the records folder");
            Assert.Equal(new[] { "batch_huge", "batch_small" }, offered.Select(c => c.CompletionText));
            Assert.Contains("Read the huge one.", offered[0].ToolTip, StringComparison.Ordinal);
            Assert.DoesNotContain("image(s)", offered[0].ToolTip, StringComparison.Ordinal); // the count is not read from a huge record while typing
            Assert.Contains("1 image(s)", offered[1].ToolTip, StringComparison.Ordinal);

            // Get-VisionBatch -Local does not wait on the FIFO either: it is a record that cannot be read.
            List<string> ids = ps.Run("Get-VisionBatch -Local | ForEach-Object Id").Select(o => o?.ToString() ?? "(null)").ToList();
            Assert.Equal(new[] { "batch_huge", "batch_small" }, ids);
            Assert.Contains(ps.Warnings, w => w.Contains(fifo, StringComparison.Ordinal));
        }

        [Fact]
        public void GetVisionBatchLocalSaysJsonThatIsNoRecordIsNotABatchRecordRatherThanInvalidJson()
        {
            using var ps = Session();
            var start = DateTimeOffset.UtcNow.AddHours(-5);
            Record("batch_good", start);
            string array = Path.Combine(Records, "batch_array.json");
            File.WriteAllText(array, "[1, 2, 3]");
            string typed = Record("batch_typed", start.AddHours(1), change: r => r["Part"] = "one");
            string broken = Path.Combine(Records, "batch_broken.json");
            File.WriteAllText(broken, "{\"BatchId\": \"batch_broken");

            List<string> ids = ps.Run("Get-VisionBatch -Local | ForEach-Object Id").Select(o => o?.ToString() ?? "(null)").ToList();

            Assert.Empty(ps.Errors);
            Assert.Equal(new[] { "batch_good" }, ids);
            string Warning(string file) => Assert.Single(ps.Warnings, w => w.Contains(file, StringComparison.Ordinal));
            Assert.Contains("it is JSON but not a batch record", Warning(array), StringComparison.Ordinal);
            Assert.DoesNotContain("not valid JSON", Warning(array), StringComparison.Ordinal);
            Assert.Contains("it is JSON but not a batch record: its 'Part' is not", Warning(typed), StringComparison.Ordinal);
            Assert.Contains("it is not valid JSON at line 1", Warning(broken), StringComparison.Ordinal);
        }
    }
}
