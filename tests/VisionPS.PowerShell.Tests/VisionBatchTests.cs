using System;
using System.Collections.Generic;
using System.Collections.ObjectModel;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Text.Json;
using VisionPS.TestServer;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>Start/Get/Wait/Receive/Stop-VisionBatch against the local endpoint's Batch API, over real HTTP.</summary>
    public sealed class VisionBatchTests : LocalEndpointTests
    {
        public VisionBatchTests()
            : base("sk-visionps-batch-NEVER-PRINT-71ad", "batches")
        {
        }

        private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

        private static JsonElement Answer(PSObject result) => JsonDocument.Parse(Prop<string>(result, "Text")).RootElement;

        private static readonly string[] s_files = { "jpg_storm_1920x1280.jpg", "jpg_orient6_panasonic_640x428.jpg", "d_heic_storm.heic", "png_wizard_1104x1468_rgba.png", "gif_static_smile_48.gif" };

        private static object[] Files(params string[] names) => names.Select(f => (object)Paths.CorpusFile(f)).ToArray();

        [Theory]
        [InlineData("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", "Wait-VisionBatch")]
        [InlineData("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60 | Receive-VisionBatch -NoCache", "Receive-VisionBatch")]
        public void WaitingForAndReceivingABatchWriteProgressAndCompleteIt(string script, string activity)
        {
            using var session = Session();
            PSObject batch = Assert.Single(session.Run("$args | Start-VisionBatch 'What is this?' -Detail Low", Files("jpg_gray_cat_512.jpg", "gif_static_smile_48.gif")));
            using System.Management.Automation.PowerShell ps = session.CreateShell();
            ps.AddScript(script).AddArgument(batch);
            var output = ps.Invoke();
            Assert.Empty(ps.Streams.Error);
            Assert.NotEmpty(output);
            var records = ps.Streams.Progress.Where(p => p.Activity == activity).ToList();
            Assert.True(records.Count >= 2, $"{records.Count} progress record(s) from {activity}");
            Assert.Equal(ProgressRecordType.Completed, records.Last().RecordType);
        }

        [Fact]
        public void AnUnreadableAnswerLineIsReportedAsUnreadableNamingItsLineAndImageAndTheOthersArrive()
        {
            using var ps = Session();
            object[] files = Files("jpg_gray_cat_512.jpg", "png_wizard_1104x1468_rgba.png", "gif_static_smile_48.gif");
            string model = "fault:canned=empty-choicesx1:" + Guid.NewGuid().ToString("N");

            PSObject batch = Assert.Single(ps.Run("$args[1..3] | Start-VisionBatch 'What is this?' -Detail Low -Model $args[0]", new object[] { model }.Concat(files).ToArray()));
            ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch);
            var results = ps.Run("$args[0] | Receive-VisionBatch -NoCache", batch);

            Assert.Equal(2, results.Count);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("ResponseUnreadable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            string message = error.ToString();
            Assert.Matches("line [1-3] of the batch output", message);
            Assert.Contains(files.Cast<string>(), f => message.Contains(f, StringComparison.Ordinal));
            Assert.DoesNotContain(results, r => message.Contains(Prop<IReadOnlyList<string>>(r, "ImageSources")[0], StringComparison.Ordinal));
        }

        [Fact]
        public void LocalRecordsOfAnyBatchIdAreListedWithoutAKey()
        {
            Directory.CreateDirectory(Records);
            File.WriteAllText(Path.Combine(Records, "b-0001.json"),
                "{\"BatchId\":\"b-0001\",\"BaseUri\":\"http://127.0.0.1:1/v1\",\"Api\":\"Chat\",\"Model\":\"gpt-4.1-mini\",\"Prompt\":\"x\",\"Detail\":\"Auto\",\"SubmittedAt\":\"2026-12-01T10:00:00+00:00\",\"Items\":[{\"CustomId\":\"img-000001\",\"Source\":\"a.jpg\",\"Sha256\":\"\",\"EstimatedTokens\":85}]}");
            using var ps = new PowerShellSession();
            var listed = ps.Run("$env:OPENAI_API_KEY = $null; Set-VisionDefault -BaseUri https://api.openai.com/v1 -BatchPath $args[0]; Get-VisionBatch -Local; Get-VisionBatch b-0001 -Local", Records);
            Assert.Empty(ps.Errors);
            Assert.Equal(2, listed.Count);
            Assert.All(listed, b => Assert.Equal("b-0001", Prop<string>(b, "Id")));
        }

        [Fact]
        public void SubmitWaitReceiveMapsEveryAnswerBackToItsImageInInputOrder()
        {
            using var ps = Session();
            object[] files = Files(s_files);
            var images = ps.Run("$args | ConvertTo-VisionImage -Detail Low", files);

            PSObject batch = Assert.Single(ps.Run("$args | Start-VisionBatch 'What is in this picture?' -Detail Low", files));
            string id = Prop<string>(batch, "Id");
            var finished = ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch);
            var results = ps.Run("$args[0] | Receive-VisionBatch", batch);

            Assert.Empty(ps.Errors);
            Assert.StartsWith("batch_", id);
            Assert.Equal(files.Length, Prop<int>(batch, "ImageCount"));
            Assert.Equal("completed", Prop<string>(Assert.Single(finished), "Status"));
            Assert.Equal(files.Length, results.Count);
            for (int i = 0; i < files.Length; i++)
            {
                PSObject r = results[i];
                Assert.Equal("VisionPS.ChatResult", r.TypeNames[0]);
                Assert.Equal(new[] { (string)files[i] }, Prop<IReadOnlyList<string>>(r, "ImageSources"));
                Assert.Equal(id, Prop<string>(r, "BatchId"));
                JsonElement image = Answer(r).GetProperty("images")[0];
                Assert.Equal(Prop<string>(images[i], "Sha256"), image.GetProperty("sha256").GetString());
                Assert.Equal(Prop<string>(images[i], "Sha256"), Prop<IReadOnlyList<string>>(r, "ImageSha256")[0]);
                Assert.Equal("low", image.GetProperty("detail").GetString());
            }
            // Sideways photo upright, HEIC as JPEG: the batch sends what Send-VisionChat sends.
            JsonElement sideways = Answer(results[1]).GetProperty("images")[0];
            Assert.Equal((428, 640), (sideways.GetProperty("width").GetInt32(), sideways.GetProperty("height").GetInt32()) switch
            {
                var (w, h) when w < h => (428, 640),
                var other => other,
            });
            Assert.Equal("jpeg", Answer(results[2]).GetProperty("images")[0].GetProperty("format").GetString());
            // What went over the wire: one batch upload (purpose batch, .jsonl) and one batch; no local path in it.
            CapturedRequest upload = Assert.Single(Host.State.RequestsTo("/v1/files"));
            Assert.Contains("name=purpose", upload.BodyText.Replace("\"", ""), StringComparison.Ordinal);
            Assert.Contains(".jsonl", upload.BodyText, StringComparison.Ordinal);
            Assert.DoesNotContain(Paths.Corpus, upload.BodyText, StringComparison.Ordinal);
            Assert.Contains("data:image/jpeg;base64,", upload.BodyText, StringComparison.Ordinal);
            // The local record maps the images; it holds no key.
            string record = File.ReadAllText(Assert.Single(Directory.GetFiles(Records, "batch_*.json")));
            Assert.Contains(JsonEncodedText.Encode((string)files[0]).ToString(), record, StringComparison.Ordinal);
            Assert.DoesNotContain(Key, record, StringComparison.Ordinal);
        }

        [Fact]
        public void APdfIsOneBatchRequestOfItsOwnAndItsAnswerComesBack()
        {
            using var ps = Session();
            string pdf = Path.Combine(Path.GetTempPath(), $"batch-invoice-{Guid.NewGuid():N}.pdf");
            File.WriteAllBytes(pdf, VisionPS.TestServer.SamplePdfs.Text(2));
            try
            {
                PSObject batch = Assert.Single(ps.Run("$args | Start-VisionBatch 'Read the total.'", pdf, Paths.CorpusFile("gif_static_smile_48.gif")));
                ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch);
                var results = ps.Run("$args[0] | Receive-VisionBatch", batch);

                Assert.Empty(ps.Errors);
                Assert.Equal(2, results.Count);
                JsonElement file = Answer(results[0]).GetProperty("files")[0];
                Assert.Equal(2, file.GetProperty("pages").GetInt32());
                Assert.Equal(Path.GetFileName(pdf), file.GetProperty("filename").GetString());
                Assert.Equal(1, Answer(results[1]).GetProperty("image_count").GetInt32());
                Assert.Contains("data:application/pdf;base64,", Assert.Single(Host.State.RequestsTo("/v1/files")).BodyText, StringComparison.Ordinal);
            }
            finally
            {
                File.Delete(pdf);
            }
        }

        [Fact]
        public void ABadFileFailedLinesAndTheRecordGiveOneErrorEachAndTheRestIsReceived()
        {
            using var ps = Session();
            string bad = Path.Combine(Paths.Corpus, "bad", "truncated_in_header_storm.jpg");
            var batches = ps.Run("$args | Start-VisionBatch 'Describe.'", Paths.CorpusFile("gif_static_smile_48.gif"), bad, Paths.CorpusFile("jpg_gray_cat_512.jpg"));
            ErrorRecord prepare = Assert.Single(ps.Errors);
            Assert.Contains("truncated_in_header_storm.jpg", prepare.ToString(), StringComparison.Ordinal);
            Assert.StartsWith("ImageDecodeFailed,", prepare.FullyQualifiedErrorId, StringComparison.Ordinal);
            PSObject batch = Assert.Single(batches);
            Assert.Equal(2, Prop<int>(batch, "ImageCount"));

            ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch);
            var results = ps.Run("Receive-VisionBatch -Id $args[0]", Prop<string>(batch, "Id"));
            Assert.Equal(2, results.Count);
            Assert.Empty(ps.Errors);
        }

        [Fact]
        public void FailedRequestsInTheBatchAreChatRequestFailedNamingTheImage()
        {
            using var ps = Session();
            // The endpoint's answer for fault:500 is an HTTP 500 for every line: every request fails, none is lost.
            var batch = ps.Run("$args | Start-VisionBatch 'Describe.' -Model fault:500", Files("gif_static_smile_48.gif", "jpg_gray_cat_512.jpg")).Single();
            PSObject done = ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch).Single();
            var results = ps.Run("$args[0] | Receive-VisionBatch", batch);

            Assert.Equal((2, 0, 2), (Prop<int>(done, "Total"), Prop<int>(done, "Completed"), Prop<int>(done, "Failed")));
            Assert.Empty(results);
            Assert.Equal(2, ps.Errors.Count);
            Assert.All(ps.Errors, e => Assert.StartsWith("ChatRequestFailed,", e.FullyQualifiedErrorId, StringComparison.Ordinal));
            Assert.Equal(Files("gif_static_smile_48.gif", "jpg_gray_cat_512.jpg"), ps.Errors.Select(e => e.TargetObject));
            Assert.Contains("gif_static_smile_48.gif", ps.Errors[0].ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public void AFailedBatchRepeatsTheServicesReasonsNamingTheImageOfEachLine()
        {
            using var ps = Session();
            // The service refuses the model of every line: the batch fails validation, its reasons in errors.data.
            string model = "fault:unknown-model:" + Guid.NewGuid().ToString("N");
            object[] files = Files("gif_static_smile_48.gif", "jpg_gray_cat_512.jpg");
            var batch = ps.Run("$args[1..2] | Start-VisionBatch 'Describe.' -Model $args[0]", new object[] { model }.Concat(files).ToArray()).Single();
            PSObject done = ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch).Single();
            Assert.Equal("failed", Prop<string>(done, "Status"));

            var results = ps.Run("$args[0] | Receive-VisionBatch", batch);

            Assert.Empty(results);
            ErrorRecord failed = Assert.Single(ps.Errors, e => e.FullyQualifiedErrorId.StartsWith("BatchFailed,", StringComparison.Ordinal));
            string reasons = failed.ToString();
            Assert.Contains("does not exist or you do not have access to it", reasons, StringComparison.Ordinal);
            Assert.Contains("line 1 ('" + files[0] + "')", reasons, StringComparison.Ordinal);
            Assert.Contains("line 2 ('" + files[1] + "')", reasons, StringComparison.Ordinal);
            var notRun = ps.Errors.Where(e => e != failed).ToList();
            Assert.Equal(files, notRun.Select(e => e.TargetObject));
            Assert.All(notRun, e => Assert.Contains("failed", e.ToString(), StringComparison.Ordinal));
        }

        [Fact]
        public void ReceivedAnswersCutShortOrFilteredAreWarnedAboutAsSendVisionChatDoes()
        {
            using var ps = Session();
            // The first line's answer reaches the token limit, the second's is withheld by the content filter.
            string model = "fault:canned=lengthx1+canned=content-filterx1:" + Guid.NewGuid().ToString("N");
            object[] files = Files("gif_static_smile_48.gif", "jpg_gray_cat_512.jpg", "jpg_icc_profile_48.jpg");
            var batch = ps.Run("$args[1..3] | Start-VisionBatch 'Describe.' -Model $args[0]", new object[] { model }.Concat(files).ToArray()).Single();
            ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch);

            var results = ps.Run("$args[0] | Receive-VisionBatch -NoCache", batch);

            Assert.Empty(ps.Errors);
            Assert.Equal(3, results.Count);
            var cut = results.Where(r => Prop<string>(r, "FinishReason") == "length").Select(r => Prop<IReadOnlyList<string>>(r, "ImageSources")[0]).ToList();
            var filtered = results.Where(r => Prop<string>(r, "FinishReason") == "content_filter").Select(r => Prop<IReadOnlyList<string>>(r, "ImageSources")[0]).ToList();
            Assert.Single(cut);
            Assert.Single(filtered);
            Assert.Contains(ps.Warnings, w => w.StartsWith(cut[0] + ": the answer is cut short", StringComparison.Ordinal) && w.Contains("(FinishReason length)", StringComparison.Ordinal));
            Assert.Contains(ps.Warnings, w => w.StartsWith(filtered[0] + ": the service's content filter withheld", StringComparison.Ordinal));
            Assert.Equal(2, ps.Warnings.Count);
        }

        [Fact]
        public void AnImageUrlIsSentInlineToAServiceThatCannotFetchUrlsAsSendVisionChatDoes()
        {
            using var ps = Session();
            // This endpoint (not OpenAI or Azure) refuses http(s) image URLs, as Ollama does: the batch must carry the
            // image itself, downloaded and prepared here, as Send-VisionChat sends it.
            byte[] png = File.ReadAllBytes(Paths.CorpusFile("png_wizard_1104x1468_rgba.png"));
            string url = Host.AddAsset("wizard-" + Guid.NewGuid().ToString("N") + ".png", png).AbsoluteUri;
            var batch = ps.Run("$VerbosePreference = 'Continue'; Start-VisionBatch 'Describe.' -Image $args[0], $args[1] -Model fault:no-image-urls -Detail Low", url, Paths.CorpusFile("gif_static_smile_48.gif")).Single();
            Assert.Empty(ps.Errors);
            Assert.Contains(ps.Verbose, v => v.StartsWith(url + ": downloaded (", StringComparison.Ordinal));
            ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch);

            var results = ps.Run("$args[0] | Receive-VisionBatch -NoCache", batch);

            Assert.Empty(ps.Errors);
            Assert.Equal(2, results.Count);
            PSObject first = results[0];
            Assert.Equal(url, Prop<IReadOnlyList<string>>(first, "ImageSources")[0]);
            JsonElement image = Answer(first).GetProperty("images")[0];
            Assert.Equal(Prop<IReadOnlyList<string>>(first, "ImageSha256")[0], image.GetProperty("sha256").GetString());
            Assert.True(image.GetProperty("width").GetInt32() < 1104, "the downloaded image was not prepared (sized for -Detail Low)");
        }

        [Fact]
        public void LargeInputsAreSplitIntoSeveralBatchesAndGetVisionBatchListsThemFromTheRecords()
        {
            using var ps = Session();
            object[] files = Files(s_files);
            var batches = ps.Run("$args | Start-VisionBatch 'Split me.' -Detail Low -MaxRequestsPerBatch 2", files);
            Assert.Empty(ps.Errors);
            Assert.Equal(3, batches.Count);
            Assert.Equal(new[] { 2, 2, 1 }, batches.Select(b => Prop<int>(b, "ImageCount")));
            Assert.Single(batches.Select(b => Prop<string>(b, "SubmissionId")).Distinct());

            // A new session (another day): the records alone know the batches and their images.
            using var later = Session();
            var listed = later.Run("Get-VisionBatch");
            Assert.Equal(batches.Select(b => Prop<string>(b, "Id")).OrderBy(x => x), listed.Select(b => Prop<string>(b, "Id")).OrderBy(x => x));
            Assert.All(listed, b => Assert.Equal(3, Prop<int>(b, "Parts")));
            Assert.Equal(new[] { 1, 2, 3 }, listed.Select(b => Prop<int>(b, "Part")));
            Assert.Equal(3, later.Run("Get-VisionBatch | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60").Count);
            var results = later.Run("Get-VisionBatch | Receive-VisionBatch");
            Assert.True(later.Errors.Count == 0, string.Join("\n", later.Errors.Select(e => e.FullyQualifiedErrorId + ": " + e)));
            Assert.Equal(files, results.Select(r => (object)Prop<IReadOnlyList<string>>(r, "ImageSources")[0]));
            var local = later.Run("Get-VisionBatch -Local");
            Assert.All(local, b => Assert.Equal("unknown", Prop<string>(b, "Status")));
        }

        [Fact]
        public void ReceivedAnswersFillTheAnswerCacheSoALiveRerunCostsNothing()
        {
            using var ps = Session();
            object[] files = Files("gif_static_smile_48.gif", "jpg_gray_cat_512.jpg");
            var batch = ps.Run("$args | Start-VisionBatch 'Cache me.' -Detail Low", files).Single();
            ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60 | Receive-VisionBatch", batch);
            int chats = Host.State.RequestsTo("/v1/chat/completions").Count;

            var live = ps.Run("$args | Send-VisionChat 'Cache me.' -Detail Low -PerImage", files);

            Assert.Empty(ps.Errors);
            Assert.Equal(2, live.Count);
            Assert.All(live, r => Assert.True(Prop<bool>(r, "FromCache")));
            Assert.Equal(chats, Host.State.RequestsTo("/v1/chat/completions").Count);
        }

        /// <summary>
        /// An answer cache that cannot be written is said once per run, with what it costs and what to do, in the words
        /// Send-VisionChat uses; Receive-VisionBatch said only "could not be written" and the system's message.
        /// </summary>
        [Fact]
        public void AnAnswerCacheThatCannotBeWrittenIsSaidOnceWithTheAdviceSendVisionChatGives()
        {
            using var ps = Session();
            Directory.CreateDirectory(Work);
            File.WriteAllText(Cache, "a file where the cache folder should be");
            object[] files = Files("gif_static_smile_48.gif", "jpg_gray_cat_512.jpg");
            var batch = ps.Run("$args | Start-VisionBatch 'Cache me.' -Detail Low", files).Single();

            var results = ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60 | Receive-VisionBatch", batch);

            Assert.Empty(ps.Errors);
            Assert.Equal(2, results.Count);
            string warning = Assert.Single(ps.Warnings, w => w.Contains("answer cache", StringComparison.Ordinal));
            Assert.StartsWith($"The answer cache at '{Cache}' cannot be written (", warning, StringComparison.Ordinal);
            Assert.EndsWith("answers are not kept for the next run. Set-VisionDefault -CachePath to a folder you can write, or use -NoCache.", warning, StringComparison.Ordinal);
        }

        [Fact]
        public void StopCancelsAndReceiveReportsTheRequestsNeverRun()
        {
            using var ps = Session();
            // The endpoint answers each line after 3 s: cancelling at once leaves most requests unrun, even when the
            // machine is so loaded that the stop comes seconds after the start (400 ms per line was too little once).
            var batch = ps.Run("$args | Start-VisionBatch 'Slow.' -Model fault:slow=3000", Files(s_files)).Single();
            PSObject stopping = ps.Run("$args[0] | Stop-VisionBatch -Confirm:$false", batch).Single();
            PSObject done = ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60", batch).Single();
            var results = ps.Run("$args[0] | Receive-VisionBatch", batch);

            Assert.Contains(Prop<string>(stopping, "Status"), new[] { "cancelling", "cancelled" });
            Assert.Equal("cancelled", Prop<string>(done, "Status"));
            Assert.Equal(s_files.Length, results.Count + ps.Errors.Count);
            Assert.True(ps.Errors.Count > 0);
            Assert.All(ps.Errors, e => Assert.StartsWith("BatchRequestNotRun,", e.FullyQualifiedErrorId, StringComparison.Ordinal));
        }

        [Fact]
        public async System.Threading.Tasks.Task BatchesOfTwoEndpointsInOneCallAreEachAskedWhereTheyWereCreatedAndAnEditedRecordGetsNoKey()
        {
            // A second server with the same key, and a third that takes anything (it would log a key sent to it).
            await using EndpointHost other = await EndpointHost.StartAsync(apiKey: Key);
            await using EndpointHost trap = await EndpointHost.StartAsync();
            using var ps = Session();
            PSObject here = Assert.Single(ps.Run("Start-VisionBatch 'Here.' -Image $args[0] -Detail Low", Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            PSObject there = Assert.Single(ps.Run("Start-VisionBatch 'There.' -Image $args[0] -Detail Low -BaseUri $args[1]", Paths.CorpusFile("gif_static_smile_48.gif"), other.BaseUri));
            string hereId = Prop<string>(here, "Id"), thereId = Prop<string>(there, "Id");

            var results = ps.Run("Wait-VisionBatch -Id $args[0], $args[1] -PollSeconds 0.05 -Timeout 60 -Verbose | Receive-VisionBatch -NoCache -Verbose", hereId, thereId);

            Assert.Empty(ps.Errors);
            Assert.Equal(new[] { hereId, thereId }.OrderBy(i => i), results.Select(r => Prop<string>(r, "BatchId")).OrderBy(i => i));
            Assert.Contains(ps.Verbose, v => v == $"Batch {thereId}: using the endpoint it was created at, {other.BaseUri.AbsoluteUri.TrimEnd('/')}.");
            Assert.DoesNotContain(Host.Requests, r => r.Path.Contains(thereId, StringComparison.Ordinal));
            Assert.Contains(other.Requests, r => r.Method == "GET" && r.Path == "/v1/batches/" + thereId);
            Assert.Contains(other.Requests, r => r.Method == "GET" && r.Path.StartsWith("/v1/files/", StringComparison.Ordinal) && r.Path.EndsWith("/content", StringComparison.Ordinal));

            // A record edited to name the third server: the key did not go there at submission, so nothing goes there now.
            string file = Path.Combine(Records, hereId + ".json");
            string hostUri = Host.BaseUri.AbsoluteUri.TrimEnd('/');
            string text = File.ReadAllText(file);
            Assert.Contains($"\"BaseUri\":\"{hostUri}\"", text, StringComparison.Ordinal);
            File.WriteAllText(file, text.Replace($"\"BaseUri\":\"{hostUri}\"", $"\"BaseUri\":\"{trap.BaseUri.AbsoluteUri.TrimEnd('/')}\"", StringComparison.Ordinal));
            PSObject found = Assert.Single(ps.Run("Get-VisionBatch -Id $args[0] -Verbose", hereId));
            Assert.Equal(hereId, Prop<string>(found, "Id"));
            Assert.Empty(ps.Errors);
            Assert.Empty(trap.Requests);
            Assert.Contains(ps.Verbose, v => v.Contains($"Batch {hereId} was created at {trap.BaseUri.AbsoluteUri.TrimEnd('/')}", StringComparison.Ordinal)
                && v.Contains("not the one it was submitted with", StringComparison.Ordinal));
            Assert.DoesNotContain(Key, File.ReadAllText(Path.Combine(Records, thereId + ".json")), StringComparison.Ordinal);
        }

        /// <summary>
        /// Stop-VisionBatch -WhatIf names, for each batch, the endpoint the cancel would go to (scheme://host:port, the one
        /// its record names, or -BaseUri): it said only "Cancel batch" on the id, though batches of one call can go to
        /// different endpoints. Nothing is cancelled, and neither the key nor the address's path is shown.
        /// </summary>
        [Fact]
        public async System.Threading.Tasks.Task StopWhatIfNamesTheEndpointEachCancelWouldGoTo()
        {
            await using EndpointHost other = await EndpointHost.StartAsync(apiKey: Key);
            var host = new RecordingHost();
            using var ps = Session(host);
            PSObject here = Assert.Single(ps.Run("Start-VisionBatch 'Here.' -Image $args[0] -Detail Low", Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            PSObject there = Assert.Single(ps.Run("Start-VisionBatch 'There.' -Image $args[0] -Detail Low -BaseUri $args[1]", Paths.CorpusFile("gif_static_smile_48.gif"), other.BaseUri));
            string hereId = Prop<string>(here, "Id"), thereId = Prop<string>(there, "Id");
            string hereAt = Host.BaseUri.GetLeftPart(UriPartial.Authority), thereAt = other.BaseUri.GetLeftPart(UriPartial.Authority);
            Assert.NotEqual(hereAt, thereAt);

            Assert.Empty(ps.Run("Stop-VisionBatch -Id $args[0], $args[1] -WhatIf", hereId, thereId));
            Assert.Empty(ps.Errors);
            string said = host.Text;
            Assert.Contains($"on target \"{hereId} at {hereAt}\"", said, StringComparison.Ordinal);
            Assert.Contains($"on target \"{thereId} at {thereAt}\"", said, StringComparison.Ordinal);
            Assert.DoesNotContain("/v1", said, StringComparison.Ordinal);
            Assert.DoesNotContain(Key, said, StringComparison.Ordinal);
            Assert.DoesNotContain(Host.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));
            Assert.DoesNotContain(other.Requests, r => r.Path.EndsWith("/cancel", StringComparison.Ordinal));

            // -BaseUri sends every cancel there, and -WhatIf says so.
            ps.Run("Stop-VisionBatch -Id $args[0] -BaseUri $args[1] -WhatIf", thereId, Host.BaseUri);
            Assert.Contains($"on target \"{thereId} at {hereAt}\"", host.Text.Substring(said.Length), StringComparison.Ordinal);

            // A record of the other endpoint whose check does not match the key in use: the key does not go there, so the
            // cancel would go to the current endpoint, and -WhatIf names that one, not the recorded one.
            string mismatched = PlantRecord(thereId, r => r["KeyCheck"] = new string('0', 32));
            int before = host.Text.Length;
            Assert.Empty(ps.Run("Stop-VisionBatch -Id $args[0] -WhatIf", mismatched));
            Assert.Empty(ps.Errors);
            string planted = host.Text.Substring(before);
            Assert.Contains($"on target \"{mismatched} at {hereAt}\"", planted, StringComparison.Ordinal);
            Assert.DoesNotContain(thereAt, planted, StringComparison.Ordinal);
            Assert.DoesNotContain(other.Requests, r => r.Path.Contains(mismatched, StringComparison.Ordinal));
        }

        /// <summary>
        /// A user name and password written into a batch's endpoint (http://alice:pw@host:port/v1) are kept in its record,
        /// but no message names them: the verbose, warning, error and -WhatIf text of Start/Get/Wait/Receive/Stop-VisionBatch,
        /// whether the endpoint answers, refuses, is not asked (a check that does not match) or is gone, name it as
        /// http://host:port/v1 only (so a "-BaseUri ..." hint can still be typed as shown) — whatever the password's
        /// characters: a "'" (legal in userinfo and kept by .NET as typed), a space (as typed or %20), '"', '<', '>', an escaped '@'.
        /// </summary>
        [Theory]
        [MemberData(nameof(EndpointPasswords.All), MemberType = typeof(EndpointPasswords))]
        public async System.Threading.Tasks.Task NoBatchMessageNamesTheUserNameOrPasswordWrittenIntoAnEndpoint(string password)
        {
            const string User = "alice-visionps", Other = "bob-visionps";
            string Password = EndpointPasswords.Secret(password); // what must never show
            string WithUser(Uri uri, string user) => uri.AbsoluteUri.Replace("://", $"://{user}:{password}@", StringComparison.Ordinal);
            await using EndpointHost other = await EndpointHost.StartAsync(apiKey: Key);
            EndpointHost gone = await EndpointHost.StartAsync(apiKey: Key);
            bool goneStopped = false;
            string hereAt = Host.BaseUri.AbsoluteUri, otherAt = other.BaseUri.AbsoluteUri, goneAt = gone.BaseUri.AbsoluteUri;
            string cat = Paths.CorpusFile("jpg_gray_cat_512.jpg");
            var host = new RecordingHost();
            using var ps = Session(host);
            var said = new List<string>();
            Collection<PSObject> Run(string script, params object?[] args)
            {
                Collection<PSObject> output = ps.Run(script, args);
                said.AddRange(ps.Verbose);
                said.AddRange(ps.Warnings);
                said.AddRange(ps.Debug);
                foreach (ErrorRecord e in ps.Errors)
                {
                    said.Add(e.ToString());
                    said.Add($"{e.ErrorDetails?.Message} {e.ErrorDetails?.RecommendedAction} {e.TargetObject} {e.CategoryInfo}");
                    for (Exception? x = e.Exception; x != null; x = x.InnerException)
                    {
                        said.Add(x.Message);
                    }
                }
                return output;
            }
            try
            {
                Assert.Empty(Run("Start-VisionBatch 'There.' -Image $args[0] -Detail Low -BaseUri $args[1] -WhatIf -Verbose", cat, WithUser(other.BaseUri, User)));
                Assert.Contains(otherAt, host.Text, StringComparison.Ordinal);
                string id = Prop<string>(Assert.Single(Run("Start-VisionBatch 'There.' -Image $args[0] -Detail Low -BaseUri $args[1] -Verbose", cat, WithUser(other.BaseUri, User))), "Id");
                Assert.Contains(Password, File.ReadAllText(Path.Combine(Records, id + ".json")), StringComparison.Ordinal); // what this test is about

                // Asked where it was created: the verbose notes name that endpoint.
                Assert.Single(Run("Get-VisionBatch -Id $args[0] -Verbose", id));
                Assert.Empty(ps.Errors);
                Assert.Contains(ps.Verbose, v => v == $"Batch {id}: using the endpoint it was created at, {otherAt}.");
                Assert.Single(Run("Wait-VisionBatch -Id $args[0] -PollSeconds 0.05 -Timeout 60 -Verbose", id));
                Assert.Single(Run("Receive-VisionBatch -Id $args[0] -NoCache -Verbose", id));
                Assert.Empty(ps.Errors);

                // -WhatIf names the endpoint; a real stop of the finished batch is refused, and the error says where it was asked.
                Assert.Empty(Run("Stop-VisionBatch $args[0] -WhatIf -Verbose", id));
                Assert.Contains($"on target \"{id} at {other.Root.GetLeftPart(UriPartial.Authority)}\"", host.Text, StringComparison.Ordinal);
                Assert.Empty(Run("Stop-VisionBatch $args[0] -Confirm:$false -Verbose", id));
                ErrorRecord refused = Assert.Single(ps.Errors);
                Assert.StartsWith("BatchRequestFailed,", refused.FullyQualifiedErrorId, StringComparison.Ordinal);
                Assert.Contains($"was asked at {otherAt},", refused.ToString(), StringComparison.Ordinal);

                // -BaseUri with a user name of its own.
                Run("Get-VisionBatch -Id $args[0] -BaseUri $args[1] -Verbose", id, WithUser(Host.BaseUri, Other));
                Assert.Contains(ps.Verbose, v => v.Contains($"using -BaseUri {hereAt}, not {otherAt},", StringComparison.Ordinal));

                // A record whose check does not match: asked at the current endpoint, which does not know it.
                string planted = PlantRecord(id, r => r["KeyCheck"] = new string('0', 32));
                Assert.Empty(Run("Get-VisionBatch -Id $args[0] -Verbose", planted));
                Assert.Contains($"Batch {planted} was created at {otherAt},", Assert.Single(ps.Errors).ToString(), StringComparison.Ordinal);

                // An endpoint with a user name that is gone (the server stopped): connection errors, and the listing's warnings.
                string goneId = Prop<string>(Assert.Single(Run("Start-VisionBatch 'Gone.' -Image $args[0] -Detail Low -BaseUri $args[1]", cat, WithUser(gone.BaseUri, User))), "Id");
                await gone.DisposeAsync();
                goneStopped = true;
                Assert.Single(Run("Get-VisionBatch -Verbose"));
                Assert.Contains(ps.Warnings, w => w.Contains($"Get-VisionBatch -BaseUri {otherAt} -ApiKey", StringComparison.Ordinal));
                Assert.Contains(ps.Warnings, w => w.Contains($"({goneAt}) could not be found", StringComparison.Ordinal));
                foreach (string script in new[]
                {
                    "Get-VisionBatch -Id $args[0] -Verbose",
                    "Wait-VisionBatch -Id $args[0] -PollSeconds 0.05 -Timeout 30 -Verbose",
                    "Receive-VisionBatch -Id $args[0] -Verbose",
                    "Stop-VisionBatch -Id $args[0] -Confirm:$false -Verbose",
                })
                {
                    Run(script, goneId);
                    Assert.Contains($"was asked at {goneAt},", Assert.Single(ps.Errors).ToString(), StringComparison.Ordinal);
                }

            }
            finally
            {
                if (!goneStopped)
                {
                    await gone.DisposeAsync();
                }
            }
            said.Add(host.Text);
            Assert.All(said, s =>
            {
                Assert.DoesNotContain(Password, s, StringComparison.Ordinal);
                Assert.DoesNotContain(User, s, StringComparison.Ordinal);
                Assert.DoesNotContain(Other, s, StringComparison.Ordinal);
                Assert.DoesNotContain(Key, s, StringComparison.Ordinal);
            });
        }

        /// <summary>The check a record holds for an endpoint the session's key went to (as VisionConnection.EndpointKeyCheck computes it; the key itself is never in the record).</summary>
        private string KeyCheckFor(string endpoint)
        {
            using var hmac = new System.Security.Cryptography.HMACSHA256(System.Text.Encoding.UTF8.GetBytes(Key));
            byte[] mac = hmac.ComputeHash(System.Text.Encoding.UTF8.GetBytes("VisionPS batch endpoint\nopenai||" + endpoint));
            return Convert.ToHexString(mac, 0, 16).ToLowerInvariant();
        }

        /// <summary>
        /// Stop-VisionBatch -WhatIf sends nothing, so it gives no clear-text warning for a record's http:// endpoint on
        /// another computer (it did: the route, decided before ShouldProcess, warned as it was made); a real stop still
        /// warns, before the cancel goes there.
        /// </summary>
        [Fact]
        public void TheClearTextWarningComesOnlyWhenACancelIsAboutToBeSent()
        {
            using var second = new SilentListener(System.Net.IPAddress.Any, close: true);
            using var ps = Session();
            (string planted, string secondUri) = PlantAtNetworkAddress(ps, second.Port, KeyCheckFor);

            Assert.Empty(ps.Run("Stop-VisionBatch -Id $args[0] -WhatIf", planted));
            Assert.Empty(ps.Errors);
            Assert.Empty(ps.Warnings);
            Assert.Empty(second.AcceptedNow());

            ps.Run("Stop-VisionBatch -Id $args[0] -Confirm:$false", planted);
            string warning = Assert.Single(ps.Warnings);
            Assert.Contains($"unencrypted (clear text) to {new Uri(secondUri).GetLeftPart(UriPartial.Authority)}:", warning, StringComparison.Ordinal);
            Assert.NotEmpty(second.AcceptedNow()); // the cancel went there, after the warning
            Assert.StartsWith("BatchRequestFailed,", Assert.Single(ps.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
        }

        /// <summary>
        /// Two batches recorded for one http:// endpoint on another computer: Get (both ids), Wait, Receive and a real Stop
        /// each give the clear-text warning once, not once per batch; Stop -WhatIf, which sends nothing, gives none.
        /// </summary>
        [Fact]
        public void TwoBatchesAtOneClearTextEndpointGetOneWarningPerCommand()
        {
            using var second = new SilentListener(System.Net.IPAddress.Any, close: true);
            using var ps = Session();
            (string first, string secondUri) = PlantAtNetworkAddress(ps, second.Port, KeyCheckFor);
            string other = PlantRecord(first, _ => { });
            string clearText = $"unencrypted (clear text) to {new Uri(secondUri).GetLeftPart(UriPartial.Authority)}:";

            Assert.Empty(ps.Run("Stop-VisionBatch -Id $args[0], $args[1] -WhatIf", first, other));
            Assert.Empty(ps.Errors);
            Assert.Empty(ps.Warnings);
            Assert.Empty(second.AcceptedNow());

            foreach (string script in new[]
            {
                "Get-VisionBatch -Id $args[0], $args[1]",
                "Wait-VisionBatch -Id $args[0], $args[1] -PollSeconds 0.05 -Timeout 30",
                "Receive-VisionBatch -Id $args[0], $args[1]",
                "Stop-VisionBatch -Id $args[0], $args[1] -Confirm:$false",
            })
            {
                ps.Run(script, first, other);
                Assert.Single(ps.Warnings, w => w.Contains(clearText, StringComparison.Ordinal));
                Assert.NotEmpty(ps.Errors); // the endpoint closes every connection: both batches were asked there
                Assert.NotEmpty(second.AcceptedNow());
            }
        }

        /// <summary>A copy of a batch's record under another id, changed by <paramref name="edit"/>; returns the new id.</summary>
        private string PlantRecord(string fromId, Action<System.Text.Json.Nodes.JsonObject> edit)
        {
            var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(Records, fromId + ".json")))!.AsObject();
            string id = "batch_planted_" + Guid.NewGuid().ToString("N");
            node["BatchId"] = id;
            edit(node);
            File.WriteAllText(Path.Combine(Records, id + ".json"), node.ToJsonString());
            return id;
        }

        /// <summary>
        /// A batch started at the session's endpoint and a copy of its record planted for http://ADDRESS:<paramref name="port"/>/v1,
        /// ADDRESS this machine's non-loopback IPv4 address (another computer, as far as the module can tell), with the key
        /// check <paramref name="keyCheck"/> gives that address; returns the planted id and the address.
        /// </summary>
        private (string Id, string Uri) PlantAtNetworkAddress(PowerShellSession ps, int port, Func<string, string> keyCheck)
        {
            string address = SilentListener.NonLoopbackAddress();
            PSObject here = Assert.Single(ps.Run("Start-VisionBatch 'Here.' -Image $args[0] -Detail Low", Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            string uri = $"http://{address}:{port}/v1";
            return (PlantRecord(Prop<string>(here, "Id"), r =>
            {
                r["BaseUri"] = uri;
                r["KeyCheck"] = keyCheck(uri);
            }), uri);
        }

        /// <summary>Edits a batch's record in place.</summary>
        private void EditRecord(string id, Action<System.Text.Json.Nodes.JsonObject> edit)
        {
            string file = Path.Combine(Records, id + ".json");
            var node = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(file))!.AsObject();
            edit(node);
            File.WriteAllText(file, node.ToJsonString());
        }

        [Fact]
        public async System.Threading.Tasks.Task ARecordWithABlankAzureApiVersionIsADamagedRecordAndTheOthersAreStillListed()
        {
            await using EndpointHost other = await EndpointHost.StartAsync(apiKey: Key);
            using var ps = Session();
            PSObject here = Assert.Single(ps.Run("Start-VisionBatch 'Here.' -Image $args[0] -Detail Low", Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            PSObject there = Assert.Single(ps.Run("Start-VisionBatch 'There.' -Image $args[0] -Detail Low -BaseUri $args[1]", Paths.CorpusFile("gif_static_smile_48.gif"), other.BaseUri));
            string hereId = Prop<string>(here, "Id"), thereId = Prop<string>(there, "Id");
            EditRecord(thereId, r => r["AzureApiVersion"] = " ");

            var listed = ps.Run("Get-VisionBatch -WarningAction SilentlyContinue -Verbose");

            Assert.Empty(ps.Errors);
            Assert.Contains(hereId, listed.Select(b => Prop<string>(b, "Id")));
            Assert.Contains(ps.Verbose, v => v.Contains($"Batch {thereId}", StringComparison.Ordinal) && v.Contains("blank", StringComparison.Ordinal)
                && v.Contains(Path.Combine(Records, thereId + ".json"), StringComparison.Ordinal));

            ps.Run("Wait-VisionBatch -Id $args[0], $args[1] -PollSeconds 0.05 -Timeout 60", thereId, hereId);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("BatchRequestFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(Records, thereId + ".json"), error.ToString(), StringComparison.Ordinal);
        }

        [Fact]
        public async System.Threading.Tasks.Task TheKeyCheckCoversTheAzureApiVersionSoARecordEditedToAddOneIsNotAskedThere()
        {
            await using EndpointHost other = await EndpointHost.StartAsync(apiKey: Key);
            using var ps = Session();
            PSObject there = Assert.Single(ps.Run("Start-VisionBatch 'There.' -Image $args[0] -Detail Low -BaseUri $args[1]", Paths.CorpusFile("gif_static_smile_48.gif"), other.BaseUri));
            string thereId = Prop<string>(there, "Id");
            EditRecord(thereId, r => r["AzureApiVersion"] = "2024-10-21");
            int before = other.Requests.Count;

            ps.Run("Get-VisionBatch -Id $args[0] -Verbose", thereId);

            Assert.Empty(other.Requests.Skip(before));
            Assert.Contains(ps.Verbose, v => v.Contains($"Batch {thereId} was created at", StringComparison.Ordinal) && v.Contains("not the one it was submitted with", StringComparison.Ordinal));
        }

        [Fact]
        public void AKeylessRecordOfAnotherAddressIsNotAskedThereWhileTheSessionHasAKey()
        {
            using var second = new SilentListener(System.Net.IPAddress.Any, close: true);
            using var ps = Session();
            (string planted, _) = PlantAtNetworkAddress(ps, second.Port, _ => string.Empty);

            ps.Run("Get-VisionBatch -Id $args[0] -Verbose", planted);

            Assert.Empty(second.AcceptedNow());
            Assert.DoesNotContain(ps.Verbose, v => v.Contains("using the endpoint it was created at", StringComparison.Ordinal));
            Assert.Contains(ps.Verbose, v => v.Contains($"Batch {planted}", StringComparison.Ordinal) && v.Contains("without an API key", StringComparison.Ordinal)
                && v.Contains(Host.BaseUri.AbsoluteUri.TrimEnd('/'), StringComparison.Ordinal));
            ErrorRecord error = Assert.Single(ps.Errors); // the current endpoint does not know it
            Assert.StartsWith("BatchRequestFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        }

        [Fact]
        public void ListingAndWaitingDoNotQueueBehindARecordedEndpointThatNeverAnswers()
        {
            using var hung = new SilentListener(System.Net.IPAddress.Loopback, close: false);
            using var ps = Session();
            ps.Run("Set-VisionDefault -TimeoutSec 60");
            PSObject here = Assert.Single(ps.Run("Start-VisionBatch 'Here.' -Image $args[0] -Detail Low", Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            string hereId = Prop<string>(here, "Id");
            ps.Run("Wait-VisionBatch -Id $args[0] -PollSeconds 0.05 -Timeout 60", hereId);
            // A record (submitted without a key, to a local server) whose endpoint accepts connections and never answers.
            string hungId = PlantRecord(hereId, r =>
            {
                r["BaseUri"] = $"http://127.0.0.1:{hung.Port}/v1";
                r["KeyCheck"] = string.Empty;
            });

            var clock = System.Diagnostics.Stopwatch.StartNew();
            var listed = ps.Run("Get-VisionBatch -WarningAction SilentlyContinue");
            clock.Stop();

            // Asked with the session's timeout (60 s, 2 tries) it would take over 120 s; listing asks it once, briefly (10 s).
            Assert.Contains(hereId, listed.Select(b => Prop<string>(b, "Id")));
            Assert.DoesNotContain(hungId, listed.Select(b => Prop<string>(b, "Id")));
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(50), $"Get-VisionBatch took {clock.Elapsed}");
            Assert.Single(hung.AcceptedNow());

            // Wait-VisionBatch asks the batches of a round together: three that hang are all asked at once, not one after another.
            ps.Run("Set-VisionDefault -TimeoutSec 15 -MaxRetries 0");
            string[] hungIds = { hungId, PlantRecord(hungId, _ => { }), PlantRecord(hungId, _ => { }) };
            int seen = hung.AcceptedNow().Length;
            ps.Run("Wait-VisionBatch -Id $args -PollSeconds 0.05 -Timeout 1", hungIds.Cast<object>().ToArray());
            DateTime[] accepted = hung.AcceptedNow().Skip(seen).ToArray();
            Assert.Equal(3, accepted.Length);
            // One after another, the last would come at least 2 × 15 s after the first.
            Assert.True(accepted.Max() - accepted.Min() < TimeSpan.FromSeconds(12), $"asked over {accepted.Max() - accepted.Min()}");
            Assert.Equal(3, ps.Errors.Count);
        }

        [Fact]
        public void WhatIfSubmitsNothingUnfinishedBatchesAndUnknownIdsGiveClearErrors()
        {
            using var ps = Session();
            int before = Host.Requests.Count;
            Assert.Empty(ps.Run("$args | Start-VisionBatch 'Describe.' -WhatIf", Files("jpg_gray_cat_512.jpg")));
            Assert.Equal(before, Host.Requests.Count);
            Assert.False(Directory.Exists(Records) && Directory.EnumerateFiles(Records).Any());

            var batch = ps.Run("$args | Start-VisionBatch 'Slow.' -Model fault:slow=2000", Files(s_files)).Single();
            Assert.Empty(ps.Run("$args[0] | Receive-VisionBatch", batch));
            Assert.StartsWith("BatchNotFinished,", Assert.Single(ps.Errors).FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Empty(ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 1", batch));
            ErrorRecord timedOut = Assert.Single(ps.Errors);
            Assert.StartsWith("BatchWaitTimedOut,", timedOut.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains(Prop<string>(batch, "Id"), timedOut.ToString(), StringComparison.Ordinal);

            Assert.Empty(ps.Run("Get-VisionBatch -Id batch_doesnotexist"));
            ErrorRecord unknown = Assert.Single(ps.Errors);
            Assert.StartsWith("BatchRequestFailed,", unknown.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(ErrorCategory.ObjectNotFound, unknown.CategoryInfo.Category);
            ps.Run("$args[0] | Stop-VisionBatch -Confirm:$false", batch);
        }

        [Theory]
        [InlineData("batch-odd-counts", 3000000000L)]
        [InlineData("batch-negative-counts", 0L)]
        public void CountsOutOfRangeFromTheServiceAreShownAndWaitedOnNotACrash(string canned, long inputTokens)
        {
            using var ps = Session();
            Host.State.RouteFaults["GET /v1/batches/{id}"] = "canned=" + canned;

            PSObject batch = Assert.Single(ps.Run("Get-VisionBatch -Id batch_odd"));
            Assert.Empty(ps.Errors);
            Assert.Equal(inputTokens, Prop<long>(batch, "InputTokens"));
            Assert.True(Prop<int>(batch, "Completed") >= 0 && Prop<int>(batch, "Failed") >= 0);

            // Still running: the wait ends at its timeout with BatchWaitTimedOut, its progress never out of 0..100.
            Assert.Empty(ps.Run("Wait-VisionBatch -Id batch_odd -PollSeconds 0.05 -Timeout 1"));
            ErrorRecord timedOut = Assert.Single(ps.Errors);
            Assert.StartsWith("BatchWaitTimedOut,", timedOut.FullyQualifiedErrorId, StringComparison.Ordinal);
        }

        [Fact]
        public void AStructuredOutputBatchParsesEachAnswerIntoObject()
        {
            using var ps = Session();
            var batch = ps.Run("$args | Start-VisionBatch 'Read it.' -JsonSchema @{ type = 'object'; properties = @{ prompt = @{ type = 'string' } }; required = @('prompt'); additionalProperties = $false }",
                Files("jpg_gray_cat_512.jpg")).Single();
            PSObject result = ps.Run("$args[0] | Wait-VisionBatch -PollSeconds 0.05 -Timeout 60 | Receive-VisionBatch", batch).Single();

            Assert.Empty(ps.Errors);
            Assert.NotNull(Prop<object>(result, "Object"));
        }
    }
}
