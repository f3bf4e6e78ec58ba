using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Management.Automation;
using System.Net;
using System.Security;
using System.Text.Json;
using System.Threading.Tasks;
using Xunit;

namespace VisionPS.PowerShell.Tests
{
    /// <summary>The chat and assistant cmdlets against the local OpenAI-compatible endpoint, over real HTTP.</summary>
    public sealed class SendVisionChatTests : LocalEndpointTests
    {
        public SendVisionChatTests()
            : base("sk-visionps-test-NEVER-PRINT-9f3c", "chatcache")
        {
        }

        private static JsonElement Answer(PSObject result) => JsonDocument.Parse((string)result.Properties["Text"].Value).RootElement;

        private static T Prop<T>(PSObject o, string name) => (T)o.Properties[name].Value;

        [Fact]
        public void PerImageGivesOneResultPerFileWhoseEchoedHashMatchesThePreparedBytes()
        {
            using var ps = Session();
            string[] files = { "jpg_storm_1920x1280.jpg", "jpg_orient6_panasonic_640x428.jpg", "d_heic_storm.heic", "png_wizard_1104x1468_rgba.png" };
            var images = ps.Run("$args | ConvertTo-VisionImage", files.Select(f => (object)Paths.CorpusFile(f)).ToArray());
            var results = ps.Run("$args[0] | Send-VisionChat 'What is in this picture?' -PerImage -ThrottleLimit 3", images);
            Assert.Empty(ps.Errors);
            Assert.Equal(files.Length, results.Count);
            for (int i = 0; i < files.Length; i++)
            {
                PSObject r = results[i];
                Assert.Equal("VisionPS.ChatResult", r.TypeNames[0]);
                JsonElement image = Answer(r).GetProperty("images")[0];
                Assert.Equal(Prop<string>(images[i], "Sha256"), image.GetProperty("sha256").GetString());
                Assert.Equal(new[] { Paths.CorpusFile(files[i]) }, Prop<IReadOnlyList<string>>(r, "ImageSources"));
                Assert.True(Prop<int>(r, "PromptTokens") > 0);
                Assert.Equal(Prop<int?>(images[i], "EstimatedTokens"), Prop<int>(r, "EstimatedImageTokens"));
            }
            // A sideways photo arrives upright, a HEIC photo as JPEG.
            JsonElement sideways = Answer(results[1]).GetProperty("images")[0];
            Assert.Equal((428, 640), (sideways.GetProperty("width").GetInt32(), sideways.GetProperty("height").GetInt32()));
            Assert.Equal("jpeg", Answer(results[2]).GetProperty("images")[0].GetProperty("format").GetString());
        }

        [Fact]
        public void PerImageUnderARateLimitBacksOffAsOneBatchAndLosesNothing()
        {
            using var ps = Session();
            // 16 requests, 8 at a time, against 8 requests per second whose first two requests are refused (429, a 500 ms
            // wait): every image is still answered, in input order, and the verbose stream says the whole batch paused.
            // (The rate alone refused nothing when a loaded machine sent slower than 8 a second: the two refusals are
            // certain, the rate refuses whatever comes faster.)
            string tag = Guid.NewGuid().ToString("N");
            string spec = $"fault:429=500x2+rate=8:{tag}";
            object[] files = Enumerable.Range(0, 16).Select(i => (object)Paths.CorpusFile(i % 2 == 0 ? "gif_static_smile_48.gif" : "jpg_gray_cat_512.jpg")).ToArray();
            int refusedBefore = Host.State.RateLimited;

            var results = ps.Run("$VerbosePreference = 'Continue'; $args[0] | Send-VisionChat 'Limited.' -PerImage -ThrottleLimit 8 -NoCache -MaxRetries 10 -Model $args[1]", files, spec);

            Assert.Empty(ps.Errors);
            Assert.Equal(16, results.Count);
            Assert.Equal(files, results.Select(r => (object)Prop<IReadOnlyList<string>>(r, "ImageSources")[0]));
            Assert.All(results, r => Assert.Equal("stop", Prop<string>(r, "FinishReason")));
            // Every request passes the 429 fault first: 16 answered, the 2 refused and as many more as the rate refused.
            Assert.Equal(18 + Host.State.RateLimited - refusedBefore, Host.State.FaultHits["429=500x2:" + tag]);
            Assert.Contains(ps.Verbose, v => v.StartsWith("Rate limited (HTTP 429): every request of this batch waits", StringComparison.Ordinal));
            Assert.DoesNotContain(ps.Verbose, v => v.Contains(Key, StringComparison.Ordinal));
        }

        [Fact]
        public void PipedFilesGoIntoOneRequestByDefaultAndABadFileYieldsOneErrorRecord()
        {
            using var ps = Session();
            var results = ps.Run("$args | ForEach-Object { $ExecutionContext.InvokeProvider.Item.Get($_) } | Send-VisionChat 'Compare these.'",
                Paths.CorpusFile("gif_static_smile_48.gif"), Path.Combine(Paths.Corpus, "bad", "truncated_in_header_storm.jpg"), Paths.CorpusFile("d_tif_lzw_wood.tif"));
            PSObject result = Assert.Single(results);
            JsonElement answer = Answer(result);
            Assert.Equal(2, answer.GetProperty("image_count").GetInt32());
            Assert.Equal("Compare these.", answer.GetProperty("prompt").GetString());
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Contains("truncated_in_header_storm.jpg", error.ToString(), StringComparison.Ordinal);
            Assert.EndsWith(",VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId, StringComparison.Ordinal);
        }

        [Fact]
        public void NothingIsSentWhenNoImageGivenCouldBeUsedAndTheRunSaysSoOnce()
        {
            using var ps = Session();
            string folder = Path.GetDirectoryName(Paths.CorpusFile("jpg_storm_1920x1280.jpg"))!;
            int before = Host.Requests.Count;

            var output = ps.Run("Send-VisionChat 'What is this?' -Image nosuch.jpg, $args[0]; $args[1] | Send-VisionChat 'And this?'",
                folder, Paths.CorpusFile("bad/truncated_in_header_storm.jpg"));

            Assert.Empty(output);
            Assert.Equal(before, Host.Requests.Count);
            Assert.Equal(new[] { "ImageNotFound", "ImageNotFound", "ImageDecodeFailed" },
                ps.Errors.Select(e => e.FullyQualifiedErrorId.Split(',')[0]).ToArray());
            Assert.Contains($"Get-ChildItem '{folder}' -File", ps.Errors[1].ToString(), StringComparison.Ordinal);
            Assert.Equal(2, ps.Warnings.Count(w => w.Contains("nothing was sent", StringComparison.Ordinal)));
        }

        [Fact]
        public void AStreamedAnswerThatFailsUnderErrorActionStopEndsItsLineBeforeTheErrorStopsTheRun()
        {
            // The stream breaks off after "a ca"; the error stops the run (-ErrorAction Stop). The line the streamed text
            // left open is ended first, so the error (and whatever comes next) starts on its own line; before, the error
            // stopped the run before the line break was written.
            var host = new RecordingHost();
            using var ps = new PowerShellSession(host: host);
            ps.Run("Set-VisionDefault -BaseUri $args[0] -ApiKey ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -CachePath $args[2] -MaxRetries 0",
                Host.BaseUri, Key, Cache);

            var output = ps.Run(
                "try { Send-VisionChat 'What is this?' -Image $args[0] -Stream -NoCache -Model fault:canned=stream-error -ErrorAction Stop } catch { $_ }",
                Paths.CorpusFile("jpg_gray_cat_512.jpg"));

            Assert.StartsWith("ChatRequestFailed,", Assert.IsType<ErrorRecord>(Assert.Single(output).BaseObject).FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal("a ca" + Environment.NewLine, host.Text);
        }

        [Fact]
        public void AStreamCutShortKeepsItsTextWithAWarningAndAnErrorEventKeepsItOnTheExceptionAndTheFileAsTarget()
        {
            using var ps = Session();
            var output = ps.Run("Send-VisionChat 'What is this?' -Image $args[0] -Stream -NoCache -Model fault:canned=stream-cut", Paths.CorpusFile("jpg_gray_cat_512.jpg"));
            Assert.Empty(ps.Errors);
            PSObject result = Assert.Single(output);
            Assert.Equal("a ca", Prop<string>(result, "Text"));
            Assert.Equal("incomplete", Prop<string>(result, "FinishReason"));
            Assert.Contains(ps.Warnings, w => w.Contains("may be cut short", StringComparison.Ordinal));

            using var broken = Session();
            Assert.Empty(broken.Run("Send-VisionChat 'What is this?' -Image $args[0] -Stream -NoCache -MaxRetries 0 -Model fault:canned=stream-error", Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            ErrorRecord error = Assert.Single(broken.Errors);
            Assert.StartsWith("ChatRequestFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(Paths.CorpusFile("jpg_gray_cat_512.jpg"), error.TargetObject);
            Assert.Equal("a ca", PSObject.AsPSObject(error.Exception).Properties["PartialText"]?.Value);
            Assert.Contains("jpg_gray_cat_512.jpg", error.ErrorDetails.Message, StringComparison.Ordinal);
            Assert.Contains("Exception.PartialText", error.ErrorDetails.RecommendedAction, StringComparison.Ordinal);
        }

        [Fact]
        public void ARefusalIsOnTheResultAndWarnedAbout()
        {
            using var ps = Session();
            var output = ps.Run("Send-VisionChat 'Who is this?' -Image $args[0] -Model fault:canned=refusal", Paths.CorpusFile("jpg_gray_cat_512.jpg"));
            PSObject result = Assert.Single(output);
            Assert.Equal("I can't help with identifying people in images.", Prop<string>(result, "Refusal"));
            Assert.Contains(ps.Warnings, w => w.Contains("refused", StringComparison.Ordinal) && w.Contains("identifying people", StringComparison.Ordinal));
            Assert.Empty(ps.Errors);
        }

        [Fact]
        public void AnUnreadableAnswerIsResponseUnreadableWithTheRawBodyInDebugAndThePerImageRunGoesOn()
        {
            using var ps = Session();
            string[] files = { "jpg_gray_cat_512.jpg", "jpg_storm_1920x1280.jpg", "png_wizard_1104x1468_rgba.png" };
            var output = ps.Run("$DebugPreference = 'Continue'; $args | Send-VisionChat 'What is this?' -PerImage -ThrottleLimit 1 -NoCache -Model ('fault:canned=empty-choicesx1:' + [guid]::NewGuid())",
                files.Select(f => (object)Paths.CorpusFile(f)).ToArray());
            Assert.Equal(2, output.Count);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("ResponseUnreadable,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("jpg_gray_cat_512.jpg", error.ToString(), StringComparison.Ordinal);
            Assert.Contains(ps.Debug, d => d.Contains("\"choices\":[]", StringComparison.Ordinal));
            Assert.DoesNotContain(Key, string.Join("\n", ps.Debug) + error, StringComparison.Ordinal);
        }

        [Fact]
        public void WhatIfSendsNothingAndNeedsNoKey()
        {
            using var ps = new PowerShellSession();
            int before = Host.Requests.Count;
            var output = ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -WhatIf", Paths.CorpusFile("jpg_storm_1920x1280.jpg"));
            Assert.Empty(output);
            Assert.Empty(ps.Errors);
            Assert.Equal(before, Host.Requests.Count);
        }

        [Fact]
        public void DebugShowsTheRequestShapeWithShortenedBase64AndNeverTheKey()
        {
            using var ps = Session();
            ps.Run("$DebugPreference = 'Continue'; $VerbosePreference = 'Continue'; Send-VisionChat 'Describe.' -Image $args[0] -Model fault:echo-key",
                Paths.CorpusFile("jpg_storm_1920x1280.jpg"));
            string debug = string.Join("\n", ps.Debug);
            Assert.Contains("\"image_url\"", debug, StringComparison.Ordinal);
            Assert.True(debug.Length < 20_000, "the base64 must be shortened in debug output");
            ErrorRecord error = Assert.Single(ps.Errors);
            string everything = string.Join("\n", ps.Debug.Concat(ps.Verbose).Concat(ps.Warnings)) + error + error.Exception + error.ErrorDetails?.Message;
            Assert.DoesNotContain(Key, everything, StringComparison.Ordinal);
        }

        [Fact]
        public void FailedRequestsAreChatRequestFailedWithAdviceAndTheBatchGoesOn()
        {
            using var ps = Session();
            var results = ps.Run("$args | Send-VisionChat 'Describe.' -PerImage -Model fault:quota -NoCache",
                Paths.CorpusFile("gif_static_smile_48.gif"), Paths.CorpusFile("jpg_gray_cat_512.jpg"));
            Assert.Empty(results);
            Assert.Equal(2, ps.Errors.Count);
            Assert.All(ps.Errors, e => Assert.Equal("ChatRequestFailed,VisionPS.Commands.SendVisionChatCommand", e.FullyQualifiedErrorId));
            Assert.Contains("quota", ps.Errors[0].ToString(), StringComparison.OrdinalIgnoreCase);
            Assert.NotNull(ps.Errors[0].ErrorDetails.RecommendedAction);
        }

        /// <summary>
        /// The -ErrorAction Stop runs: a URL whose download fails after 3 s first (missing.png), then two corpus images,
        /// and the count of chat requests so far. (The other two must be sent before that failure: 400 ms was not always
        /// enough on a loaded machine to prepare and send them.)
        /// </summary>
        private (object[] Files, int Before) MissingUrlFirst()
        {
            object[] files = { new Uri(Host.Root, "assets/missing.png").AbsoluteUri, Paths.CorpusFile("gif_static_smile_48.gif"), Paths.CorpusFile("jpg_gray_cat_512.jpg") };
            int before = Host.State.RequestsTo("/chat/completions").Count;
            Host.State.RouteFaults["GET /assets/{name}"] = "slow=3000";
            return (files, before);
        }

        [Fact]
        public void ErrorActionStopStillEmitsTheAnswersAlreadyPaidForBeforeTheStopError()
        {
            using var ps = Session();
            // The first image fails after 3 s (its URL, downloaded to be sent inline to this endpoint, is missing);
            // the other two are sent meanwhile and answer after 6 s, once the run is stopping. -ErrorAction Stop must not
            // throw their paid answers away: every request the service answered comes out, then the error stops the run.
            string model = "fault:slow=6000:" + Guid.NewGuid().ToString("N");
            (object[] files, int before) = MissingUrlFirst();

            var output = ps.Run(
                "$got = [System.Collections.Generic.List[object]]::new(); $err = $null" +
                "; try { $args[0] | Send-VisionChat 'Paid for.' -PerImage -ThrottleLimit 3 -NoCache -MaxRetries 0 -Model $args[1] -ErrorAction Stop | ForEach-Object { $got.Add($_) } } catch { $err = $_ }" +
                "; [pscustomobject]@{ Got = $got.ToArray(); Error = $err }", files, model);

            PSObject run = Assert.Single(output);
            var got = ((object[])run.Properties["Got"].Value).Select(o => o as PSObject ?? new PSObject(o)).ToList();
            object thrown = run.Properties["Error"].Value;
            var error = Assert.IsType<ErrorRecord>(thrown is PSObject wrapped ? wrapped.BaseObject : thrown);
            Assert.Contains("missing.png", error.ToString(), StringComparison.Ordinal);
            Assert.EndsWith(",VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Equal(2, Host.State.RequestsTo("/chat/completions").Count - before);
            Assert.Equal(2, got.Count); // both answers paid for are in the output
            Assert.Equal(files.Skip(1), got.Select(r => (object)Prop<IReadOnlyList<string>>(r, "ImageSources")[0]));
            Assert.All(got, r => Assert.Equal("stop", Prop<string>(r, "FinishReason")));
        }

        [Fact]
        public void ErrorActionStopSaysItWaitsForTheRequestsInFlightAndRetriesNoneOfThem()
        {
            using var ps = Session();
            // The first image fails after 3 s; the other two are in flight, and each fails after 6 s with a server
            // error. The stop says it waits for the 2 requests already sent (Ctrl+C abandons them), and once the run is
            // stopping a failed request is not retried: 2 requests in all, not 2 x 3.
            string model = "fault:slow=6000+500:" + Guid.NewGuid().ToString("N");
            (object[] files, int before) = MissingUrlFirst();

            var output = ps.Run(
                "$err = $null" +
                "; try { $args[0] | Send-VisionChat 'Stop.' -PerImage -ThrottleLimit 3 -NoCache -MaxRetries 2 -Model $args[1] -ErrorAction Stop } catch { $err = $_ }" +
                "; $err", files, model);

            Assert.Contains("missing.png", Assert.Single(output).ToString(), StringComparison.Ordinal);
            Assert.Contains(ps.Warnings, w => w.Contains("Waiting for the 2 requests already sent", StringComparison.Ordinal) && w.Contains("Ctrl+C", StringComparison.Ordinal));
            Assert.Equal(2, Host.State.RequestsTo("/chat/completions").Count - before);
        }

        [Fact]
        public void ErrorActionStopCountsOnlyTheRequestsReallySentNotThoseWaitingBehindARateLimitPause()
        {
            using var ps = Session();
            // The first request to arrive gets a 429 asking for 20 s: every later try of the run waits behind that pause.
            // The missing image fails after 3 s and stops the run: the tries still waiting at the gate are refused there
            // (never sent), so "already sent" may count only the requests the server really received and had not
            // answered: all it received but the one 429.
            string model = "fault:429=20000x1+slow=6000:" + Guid.NewGuid().ToString("N");
            object[] files = { new Uri(Host.Root, "assets/missing.png").AbsoluteUri, Paths.CorpusFile("gif_static_smile_48.gif"), Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("jpg_storm_1920x1280.jpg") };
            int before = Host.State.RequestsTo("/chat/completions").Count;
            Host.State.RouteFaults["GET /assets/{name}"] = "slow=3000";

            var output = ps.Run(
                "$err = $null" +
                "; try { $args[0] | Send-VisionChat 'Stop.' -PerImage -ThrottleLimit 4 -NoCache -MaxRetries 2 -Model $args[1] -ErrorAction Stop | Out-Null } catch { $err = $_ }" +
                "; $err", files, model);

            Assert.Contains("missing.png", Assert.Single(output).ToString(), StringComparison.Ordinal);
            int received = Host.State.RequestsTo("/chat/completions").Count - before;
            Assert.InRange(received, 1, 3); // the 429, then whatever left before the pause closed the gate; no retry after the stop
            string? waiting = ps.Warnings.FirstOrDefault(w => w.Contains("already sent", StringComparison.Ordinal));
            int said = waiting is null ? 0 : int.Parse(System.Text.RegularExpressions.Regex.Match(waiting, @"Waiting for the (\d+) request").Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(received - 1, said);
        }

        [Fact]
        public void AnInterruptedPerImageRunResumesSendingOnlyWhatWasNotAnswered()
        {
            using var ps = Session();
            // The first two requests to arrive fail (server errors, no retry): the run ends with 2 of 4 answered.
            string model = "fault:500x2:" + Guid.NewGuid().ToString("N");
            object[] files = { Paths.CorpusFile("gif_static_smile_48.gif"), Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("jpg_storm_1920x1280.jpg"), Paths.CorpusFile("png_wizard_1104x1468_rgba.png") };
            var first = ps.Run("$args[0] | Send-VisionChat 'Resume me.' -PerImage -MaxRetries 0 -Model $args[1]", files, model);
            Assert.Equal(2, first.Count);
            Assert.Equal(2, ps.Errors.Count);
            int sent = Host.State.RequestsTo("/chat/completions").Count;

            var second = ps.Run("$args[0] | Send-VisionChat 'Resume me.' -PerImage -MaxRetries 0 -Model $args[1]", files, model);

            Assert.Empty(ps.Errors);
            Assert.Equal(files, second.Select(r => (object)Prop<IReadOnlyList<string>>(r, "ImageSources")[0]));
            Assert.Equal(2, second.Count(r => Prop<bool>(r, "FromCache")));
            Assert.Equal(sent + 2, Host.State.RequestsTo("/chat/completions").Count); // only the two unanswered went out
        }

        [Fact]
        public void PerImageAnswersComeFromTheCacheOnARerunAndCostNoRequest()
        {
            using var ps = Session();
            object[] files = { Paths.CorpusFile("gif_static_smile_48.gif"), Paths.CorpusFile("jpg_gray_cat_512.jpg") };
            var first = ps.Run("$args | Send-VisionChat 'Cache me.' -PerImage", files);
            Assert.All(first, r => Assert.False(Prop<bool>(r, "FromCache")));
            int sent = Host.State.RequestsTo("/chat/completions").Count;
            var second = ps.Run("$args | Send-VisionChat 'Cache me.' -PerImage", files);
            Assert.All(second, r => Assert.True(Prop<bool>(r, "FromCache")));
            Assert.Equal(first.Select(r => Prop<string>(r, "Text")), second.Select(r => Prop<string>(r, "Text")));
            Assert.Equal(sent, Host.State.RequestsTo("/chat/completions").Count);
            var other = ps.Run("$args | Send-VisionChat 'A different question.' -PerImage", files);
            Assert.All(other, r => Assert.False(Prop<bool>(r, "FromCache")));
        }

        [Fact]
        public void JsonSchemaAnswersAreParsedIntoObjects()
        {
            using var ps = Session();
            PSObject result = ps.Run("Send-VisionChat 'Read it.' -Image $args[0] -JsonSchema @{ type = 'object'; properties = @{ api = @{ type = 'string' }; image_count = @{ type = 'integer' } }; required = @('api', 'image_count'); additionalProperties = $false }",
                Paths.CorpusFile("gif_static_smile_48.gif")).Single();
            Assert.Empty(ps.Errors);
            var parsed = (PSObject)result.Properties["Object"].Value;
            Assert.Equal("chat", parsed.Properties["api"].Value);
            Assert.Equal(1, parsed.Properties["image_count"].Value);
        }

        [Fact]
        public void ResponsesApiCarriesTheConversation()
        {
            using var ps = Session();
            PSObject message = ps.Run("Add-AssistantImage -Image $args[0] -Prompt 'Remember this.'", Paths.CorpusFile("jpg_gray_cat_512.jpg")).Single();
            Assert.Empty(ps.Errors);
            string conversation = Prop<string>(message, "ConversationId");
            Assert.StartsWith("conv_", conversation, StringComparison.Ordinal);
            Assert.Equal("Conversation", Prop<string>(message, "Kind"));
            Assert.Single(Prop<IReadOnlyList<string>>(message, "FileIds"));

            PSObject result = ps.Run("Send-VisionChat 'What did I show you?' -ConversationId $args[0]", conversation).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("responses", Prop<string>(result, "Api"));
            Assert.Equal(conversation, Prop<string>(result, "ConversationId"));
        }

        [Fact]
        public async Task AddAssistantImageToAThreadUploadsAndNeverSendsADataUrl()
        {
            using var ps = Session();
            using var http = new System.Net.Http.HttpClient();
            using var create = new System.Net.Http.HttpRequestMessage(System.Net.Http.HttpMethod.Post, Host.BaseUri + "/threads");
            create.Headers.Add("Authorization", "Bearer " + Key);
            create.Headers.Add("OpenAI-Beta", "assistants=v2");
            create.Content = new System.Net.Http.StringContent("{}", System.Text.Encoding.UTF8, "application/json");
            using var created = await http.SendAsync(create);
            string thread = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetString()!;
            Uri asset = Host.AddAsset("chart.png", File.ReadAllBytes(Paths.CorpusFile("png_debian_logo_256_palette_trns.png")));
            PSObject message = ps.Run("$args[1..2] | Add-AssistantImage -ConversationId $args[0] -Prompt 'Two images.'",
                thread, Paths.CorpusFile("d_heic_storm.heic"), asset.AbsoluteUri).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("Thread", Prop<string>(message, "Kind"));
            Assert.Single(Prop<IReadOnlyList<string>>(message, "FileIds"));
            var posts = Host.State.RequestsTo("/threads/" + thread + "/messages");
            string body = Assert.Single(posts).BodyText;
            Assert.Contains("\"image_file\"", body, StringComparison.Ordinal);
            Assert.Contains(asset.AbsoluteUri, body, StringComparison.Ordinal);
            Assert.DoesNotContain("data:", body, StringComparison.Ordinal);
            Assert.Contains(Host.State.RequestsTo("/files"), r => r.Method == "POST" && r.BodyText.Contains("vision", StringComparison.Ordinal));
        }

        [Fact]
        public void UploadedFilesCanBeRemovedByPipingThem()
        {
            using var ps = Session();
            var files = ps.Run("Add-VisionFile -Image $args[0] -ExpiresAfter ([TimeSpan]::FromHours(2))", Paths.CorpusFile("d_tif_lzw_wood.tif"));
            PSObject file = Assert.Single(files);
            Assert.Equal("vision", Prop<string>(file, "Purpose"));
            Assert.EndsWith(".jpg", Prop<string>(file, "FileName"), StringComparison.Ordinal);
            Assert.NotNull(file.Properties["ExpiresAt"].Value);
            string id = Prop<string>(file, "Id");
            ps.Run("$args[0] | Remove-VisionFile -Confirm:$false", file);
            Assert.Empty(ps.Errors);
            ps.Run("Remove-VisionFile -Id $args[0] -Confirm:$false", id);
            Assert.Equal("FileRequestFailed,VisionPS.Commands.RemoveVisionFileCommand", Assert.Single(ps.Errors).FullyQualifiedErrorId);
        }

        [Fact]
        public void AFileTheServiceDidNotDeleteIsAnError()
        {
            using var ps = Session();
            string dir = Directory.CreateTempSubdirectory("visionps-notdeleted-").FullName;
            try
            {
                string image = Path.Combine(dir, "canned=not-deleted.png");
                File.Copy(Paths.CorpusFile("png_wizard_1104x1468_rgba.png"), image);
                PSObject file = Assert.Single(ps.Run("Add-VisionFile -Image $args[0]", image));
                string id = Prop<string>(file, "Id");

                ps.Run("Remove-VisionFile -Id $args[0] -Confirm:$false", id);

                ErrorRecord error = Assert.Single(ps.Errors);
                Assert.Equal("FileNotDeleted,VisionPS.Commands.RemoveVisionFileCommand", error.FullyQualifiedErrorId);
                Assert.Contains(id, error.ToString(), StringComparison.Ordinal);
                Assert.True(Host.State.Files.ContainsKey(id));
            }
            finally
            {
                Directory.Delete(dir, true);
            }
        }

        [Fact]
        public void UploadsThatCannotBeAttachedAreDeletedAgain()
        {
            using var ps = Session();
            int before = Host.State.Files.Count;

            var output = ps.Run("Add-AssistantImage -Prompt 'Look at these.' -Image $args[0], $args[1] -ConversationId conv_doesnotexist -Confirm:$false",
                Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("png_wizard_1104x1468_rgba.png"));

            Assert.Empty(output);
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.StartsWith("AssistantImageFailed,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.Contains("2 uploaded file(s) were deleted again", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(before, Host.State.Files.Count);
            Assert.Equal(2, Host.Requests.Count(r => r.Method == "DELETE" && r.Path.Contains("/files/", StringComparison.Ordinal)));
        }

        [Fact]
        public void StopDuringAStreamedAnswerReturnsAtOnce()
        {
            using var ps = Session();
            using var shell = ps.CreateShell();
            // The answer's text after its first piece trickles 30 s a chunk: a stop that waited for the next one would take
            // that long; 10 s is room for a loaded machine (a 3 s trickle and a 2 s bound left little).
            shell.AddScript("Send-VisionChat 'Stream it slowly.' -Image $args[0] -Stream -Model fault:trickle=30000 -MaxRetries 0")
                .AddArgument(Paths.CorpusFile("gif_static_smile_48.gif"));
            // Stopped once the first piece of text is on the screen (the information stream): the answer is streaming.
            // (Waiting for the server's record of the request and 300 ms more could stop it before its answer came.)
            using var firstPiece = new System.Threading.ManualResetEventSlim(false);
            shell.Streams.Information.DataAdded += (_, _) => firstPiece.Set();
            IAsyncResult running = shell.BeginInvoke();
            Assert.True(firstPiece.Wait(TimeSpan.FromSeconds(60)), $"no streamed text arrived ({shell.InvocationStateInfo.State})");
            var stop = Stopwatch.StartNew();
            shell.Stop();
            Assert.True(stop.Elapsed < TimeSpan.FromSeconds(10), $"Stop took {stop.Elapsed}");
            Assert.Equal(PSInvocationState.Stopped, shell.InvocationStateInfo.State);
            Assert.True(running.IsCompleted);
        }

        [Fact]
        public void MissingKeyForOpenAIIsATerminatingErrorThatSaysWhatToDo()
        {
            if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENAI_API_KEY")))
            {
                throw new InvalidOperationException("This test needs OPENAI_API_KEY unset (tests never reach the real API).");
            }
            using var ps = new PowerShellSession();
            var output = ps.Run("Send-VisionChat 'Hi' -Image $args[0]; 'after'", Paths.CorpusFile("gif_static_smile_48.gif"));
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("MissingApiKey,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
            Assert.Contains("OPENAI_API_KEY", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(new object[] { "after" }, output.Select(o => o.BaseObject)); // statement-terminating, as PowerShell users expect

            // The error's target (what $_.TargetObject shows) names no user name or password written into -BaseUri.
            ps.Run("Send-VisionChat 'Hi' -Image $args[0] -BaseUri $args[1]", Paths.CorpusFile("gif_static_smile_48.gif"), "https://alice-visionps:pa'Zq7SECRET3@api.openai.com/v1");
            error = Assert.Single(ps.Errors);
            Assert.Equal("MissingApiKey,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
            Assert.Contains("https://api.openai.com/v1", error.TargetObject?.ToString(), StringComparison.Ordinal);
            foreach (string? shown in new[] { error.TargetObject?.ToString(), error.ToString(), error.CategoryInfo.ToString() })
            {
                Assert.DoesNotContain("Zq7SECRET3", shown, StringComparison.Ordinal);
                Assert.DoesNotContain("alice-visionps", shown, StringComparison.Ordinal);
            }
        }

        /// <summary>
        /// A model name with spaces around it is sent trimmed, whether it comes from -Model, $PSDefaultParameterValues
        /// or Set-VisionDefault -Model; one with a space or control character inside is InvalidModelName, and nothing is sent.
        /// </summary>
        [Fact]
        public void AModelNameIsSentWithoutTheSpacesAroundItAndOneWithASpaceInsideIsRefusedBeforeSending()
        {
            using var ps = Session();
            string photo = Paths.CorpusFile("gif_static_smile_48.gif");
            string Sent() => JsonDocument.Parse(Host.Requests.Last(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)).BodyText).RootElement.GetProperty("model").GetString()!;

            PSObject result = ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -Model ' gpt-4o ' -NoCache", photo).Single();
            Assert.Empty(ps.Errors);
            Assert.Equal("gpt-4o", Sent());
            ps.Run("$PSDefaultParameterValues['Send-VisionChat:Model'] = \"gpt-4.1\t\"; Send-VisionChat 'Describe.' -Image $args[0] -NoCache", photo);
            Assert.Empty(ps.Errors);
            Assert.Equal("gpt-4.1", Sent());
            ps.Run("$PSDefaultParameterValues.Clear()");
            PSObject set = ps.Run("Set-VisionDefault -Model '  o4-mini ' -PassThru").Single();
            Assert.Equal("o4-mini", set.Properties["Model"].Value);
            ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -NoCache", photo);
            Assert.Empty(ps.Errors);
            Assert.Equal("o4-mini", Sent());

            int before = Host.Requests.Count;
            foreach (string bad in new[] { "gpt-4o\u0000", "gpt-4o\nx", "   ", "gpt\u00a04o" })
            {
                ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -Model $args[1] -NoCache", photo, bad);
                ErrorRecord error = Assert.Single(ps.Errors);
                Assert.Equal("InvalidModelName,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
                Assert.Contains("-Model", error.ToString(), StringComparison.Ordinal);
                Assert.DoesNotContain("\0", error.ToString(), StringComparison.Ordinal);
                ps.Run("Set-VisionDefault -Model $args[0]", bad);
                Assert.Equal("InvalidModelName,VisionPS.Commands.SetVisionDefaultCommand", Assert.Single(ps.Errors).FullyQualifiedErrorId);
            }
            Assert.Equal(before, Host.Requests.Count);
            Assert.Equal("o4-mini", ps.Run("Get-VisionDefault").Single().Properties["Model"].Value);
        }

        /// <summary>
        /// A space inside a model name: vLLM, llama.cpp and other compatible servers may serve a model under such a name,
        /// so for an endpoint that is not OpenAI or Azure OpenAI it is sent as given (trimmed); OpenAI and Azure OpenAI
        /// have no such model, so there it is InvalidModelName before anything is sent, from -Model or the session's model.
        /// </summary>
        [Fact]
        public void AModelNameWithASpaceInsideIsSentToACompatibleServerAndRefusedForOpenAIAndAzure()
        {
            using var ps = Session();
            string photo = Paths.CorpusFile("gif_static_smile_48.gif");
            string Sent() => JsonDocument.Parse(Host.Requests.Last(r => r.Path.EndsWith("/chat/completions", StringComparison.Ordinal)).BodyText).RootElement.GetProperty("model").GetString()!;

            ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -Model ' My Model.gguf ' -NoCache", photo);
            Assert.Empty(ps.Errors);
            Assert.Equal("My Model.gguf", Sent());
            Assert.Equal("my vision model", ps.Run("Set-VisionDefault -Model 'my vision model' -PassThru").Single().Properties["Model"].Value);
            Assert.Empty(ps.Errors);
            ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -NoCache", photo);
            Assert.Empty(ps.Errors);
            Assert.Equal("my vision model", Sent());

            int before = Host.Requests.Count;
            ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -Model 'gpt 4o' -BaseUri https://api.openai.com/v1 -NoCache", photo);
            ErrorRecord openAI = Assert.Single(ps.Errors);
            Assert.Equal("InvalidModelName,VisionPS.Commands.SendVisionChatCommand", openAI.FullyQualifiedErrorId);
            Assert.Contains("OpenAI", openAI.ToString(), StringComparison.Ordinal);
            // The session's model, fine for the compatible server, is refused when this command goes to OpenAI.
            ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -BaseUri https://api.openai.com/v1 -NoCache", photo);
            Assert.Equal("InvalidModelName,VisionPS.Commands.SendVisionChatCommand", Assert.Single(ps.Errors).FullyQualifiedErrorId);
            ps.Run("Set-VisionDefault -Model 'gpt 4o' -BaseUri https://api.openai.com/v1");
            Assert.Equal("InvalidModelName,VisionPS.Commands.SetVisionDefaultCommand", Assert.Single(ps.Errors).FullyQualifiedErrorId);
            ps.Run("Set-VisionDefault -AzureEndpoint $args[0] -AzureDeployment gpt-4o", Host.BaseUri);
            Assert.Empty(ps.Errors);
            ps.Run("Send-VisionChat 'Describe.' -Image $args[0] -Model 'gpt 4o' -NoCache", photo);
            Assert.Equal("InvalidModelName,VisionPS.Commands.SendVisionChatCommand", Assert.Single(ps.Errors).FullyQualifiedErrorId);
            Assert.Equal(before, Host.Requests.Count);
        }

        /// <summary>
        /// A -JsonSchema the service's strict structured outputs would refuse (400, paid for nothing but a wasted run) is
        /// InvalidJsonSchema before anything is sent, saying what to change.
        /// </summary>
        [Theory]
        [InlineData("@{ type = 'object'; properties = @{ total = @{ type = 'number' } }; required = @('total') }", "the root must say additionalProperties = $false")]
        [InlineData("@{ type = 'object'; properties = @{ total = @{ type = 'number' } }; required = @('total'); additionalProperties = $true }", "the root must say additionalProperties = $false")]
        [InlineData("@{ type = 'object'; properties = @{ total = @{ type = 'number' }; note = @{ type = 'string' } }; required = @('total'); additionalProperties = $false }", "missing 'note'")]
        [InlineData("@{ type = 'object'; properties = @{ shop = @{ type = 'object'; properties = @{ name = @{ type = 'string' } }; required = @('name') } }; required = @('shop'); additionalProperties = $false }", "property 'shop' must say additionalProperties = $false")]
        [InlineData("@{ type = 'array'; items = @{ type = 'string' } }", "its root must be an object schema (type = 'object'), not type = 'array'")]
        [InlineData("@{ type = 'object'; properties = @{ tags = @{ type = 'array'; items = @{ type = 'string' }; allOf = @(@{ minItems = 1 }) } }; required = @('tags'); additionalProperties = $false }", "property 'tags' uses 'allOf'")]
        public void AJsonSchemaStrictModeWouldRefuseIsInvalidJsonSchemaBeforeAnythingIsSent(string schema, string problem)
        {
            // Azure OpenAI (here the endpoint under an Azure name) enforces strict mode, as OpenAI does.
            using var ps = new PowerShellSession();
            ps.Run("Set-VisionDefault -AzureEndpoint $args[0] -AzureDeployment gpt-4o -ApiKey ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -CachePath $args[2] -MaxRetries 1",
                Host.BaseUri, Key, Cache);
            Assert.Empty(ps.Errors);
            int before = Host.Requests.Count;
            ps.Run("Send-VisionChat 'Read the total.' -Image $args[0] -NoCache -JsonSchema " + schema, Paths.CorpusFile("gif_static_smile_48.gif"));
            ErrorRecord error = Assert.Single(ps.Errors);
            Assert.Equal("InvalidJsonSchema,VisionPS.Commands.SendVisionChatCommand", error.FullyQualifiedErrorId);
            Assert.Contains(problem, error.ToString(), StringComparison.Ordinal);
            Assert.Contains("Nothing was sent", error.ToString(), StringComparison.Ordinal);
            Assert.Equal(before, Host.Requests.Count);
        }

        /// <summary>
        /// An endpoint that is not OpenAI or Azure OpenAI (Ollama, LM Studio, vLLM) takes a loose schema and ignores
        /// strict: the schema is sent as it is, as before the strict check, and the answer comes back.
        /// </summary>
        [Fact]
        public void ALooseJsonSchemaIsSentToAnEndpointThatIsNotOpenAI()
        {
            using var ps = Session();
            Host.State.LooseSchemas = true;
            int before = Host.Requests.Count;
            var results = ps.Run("Send-VisionChat 'Read the total.' -Image $args[0] -NoCache -Verbose -JsonSchema @{ type = 'object'; properties = @{ total = @{ type = 'number' } } } 4>&1", Paths.CorpusFile("gif_static_smile_48.gif"));
            Assert.Empty(ps.Errors);
            Assert.Equal(before + 1, Host.Requests.Count);
            PSObject answer = Assert.Single(results, r => r.BaseObject is not VerboseRecord);
            Assert.Equal(JsonValueKind.Number, Answer(answer).GetProperty("total").ValueKind);
            Assert.Contains(results, r => r.BaseObject is VerboseRecord v && v.Message.Contains("strict structured outputs would refuse", StringComparison.Ordinal));
        }

        /// <summary>
        /// -PerImage -ErrorAction Inquire in a host that asks: the failed image is asked about in its turn. Yes goes on
        /// (every other image answered). Halt ends the run as PowerShell ends one (ActionPreferenceStop); PowerShell
        /// allows no more output after it, so the requests already sent are awaited, not cancelled: each answer paid for
        /// is in the answer cache, and the re-run pays for none of them again.
        /// </summary>
        [Theory]
        [InlineData("Yes")]
        [InlineData("Halt")]
        public void ErrorActionInquireAsksAboutAFailedImageAndAHaltLosesNoPaidAnswer(string choice)
        {
            var host = new RecordingHost { Choose = labels => labels.Select((l, i) => (l, i)).First(c => c.l.Replace("&", string.Empty, StringComparison.Ordinal).StartsWith(choice, StringComparison.Ordinal)).i };
            using var ps = new PowerShellSession(host: host);
            string cache = Path.Combine(Cache, "inquire-" + choice);
            ps.Run("Set-VisionDefault -BaseUri $args[0] -ApiKey ([System.Net.NetworkCredential]::new('', $args[1]).SecurePassword) -CachePath $args[2] -MaxRetries 0", Host.BaseUri, Key, cache);
            object[] files = { Paths.CorpusFile("jpg_gray_cat_512.jpg"), Paths.CorpusFile("bad/bad_ihdr_crc.png"), Paths.CorpusFile("gif_static_smile_48.gif"), Paths.CorpusFile("jpg_storm_1920x1280.jpg") };
            string prompt = "Inquire " + choice + " " + Guid.NewGuid().ToString("N");
            int Sent() => Host.State.RequestsTo("/chat/completions").Count(r => r.BodyText.Contains(prompt, StringComparison.Ordinal));

            var output = ps.Run("$got = [System.Collections.Generic.List[object]]::new(); $err = $null; try { $args[1..4] | Send-VisionChat $args[0] -PerImage -ThrottleLimit 2 -ErrorAction Inquire -WarningAction SilentlyContinue | ForEach-Object { $got.Add($_) } } catch { $err = $_ }; $got.Count; if ($err) { $err }",
                new object[] { prompt }.Concat(files).ToArray());
            string asked = Assert.Single(host.Asked);
            Assert.Contains("bad_ihdr_crc.png", asked, StringComparison.Ordinal);
            int answers = (int)output[0].BaseObject;
            int sent = Sent();
            var again = ps.Run("$args[1..4] | Send-VisionChat $args[0] -PerImage -ErrorAction SilentlyContinue", new object[] { prompt }.Concat(files).ToArray());
            if (choice == "Yes")
            {
                Assert.Equal(3, answers);
                Assert.Single(output); // no terminating error
            }
            else
            {
                var error = Assert.IsType<ErrorRecord>(output[1].BaseObject);
                Assert.StartsWith("ActionPreferenceStop,", error.FullyQualifiedErrorId, StringComparison.Ordinal);
                Assert.InRange(answers, 1, sent);
            }
            // Every request sent was answered and kept: the re-run takes them all from the cache.
            Assert.Equal(sent, again.Count(r => (bool)r.Properties["FromCache"].Value));
        }

        /// <summary>
        /// A user name and password written into -BaseUri (http://carol:pw@host:port/v1) never show in Send-VisionChat's
        /// text: the -WhatIf and -Debug description of the request, the per-request verbose lines, the note on a URL
        /// image sent inline, and a PdfNotAccepted error all name http://host:port/v1 — whatever the password's characters:
        /// a "'" (legal in userinfo and kept by .NET as typed), a space (as typed or %20), '"', '<', '>', an escaped '@'.
        /// </summary>
        [Theory]
        [MemberData(nameof(EndpointPasswords.All), MemberType = typeof(EndpointPasswords))]
        public void NoMessageNamesTheUserNameOrPasswordWrittenIntoTheBaseUri(string password)
        {
            const string User = "carol-visionps";
            string Password = EndpointPasswords.Secret(password); // what must never show
            string secret = Host.BaseUri.AbsoluteUri.Replace("://", $"://{User}:{password}@", StringComparison.Ordinal);
            string shown = Host.BaseUri.AbsoluteUri;
            Uri url = Host.AddAsset("cat.jpg", File.ReadAllBytes(Paths.CorpusFile("jpg_gray_cat_512.jpg")));
            string pdf = Path.Combine(Work, "invoice.pdf");
            File.WriteAllBytes(pdf, VisionPS.TestServer.SamplePdfs.Text(1));
            var host = new RecordingHost();
            using var ps = Session(host);
            var said = new List<string>();
            void Keep()
            {
                said.AddRange(ps.Verbose);
                said.AddRange(ps.Warnings);
                said.AddRange(ps.Debug);
                said.AddRange(ps.Errors.Select(e => $"{e} {e.ErrorDetails?.RecommendedAction} {e.TargetObject} {e.Exception.Message}"));
            }

            Assert.Empty(ps.Run("Send-VisionChat 'What is it?' -Image $args[0] -BaseUri $args[1] -WhatIf -Debug -Verbose", Paths.CorpusFile("jpg_gray_cat_512.jpg"), secret));
            Keep();
            Assert.Contains($"request to {shown}:", host.Text, StringComparison.Ordinal);
            Assert.Contains(ps.Debug, d => d.Contains($"request to {shown}:", StringComparison.Ordinal));

            Assert.Single(ps.Run("Send-VisionChat 'Who is this?' -Image $args[0] -Model fault:no-image-urls -BaseUri $args[1] -Verbose", url.AbsoluteUri, secret));
            Keep();
            Assert.Empty(ps.Errors);
            Assert.Contains(ps.Verbose, v => v.Contains($"{shown} is not OpenAI or Azure OpenAI", StringComparison.Ordinal));
            Assert.Contains(ps.Verbose, v => v.StartsWith($"POST {shown}/", StringComparison.Ordinal));

            Assert.Empty(ps.Run("Send-VisionChat 'Total?' -Image $args[0] -Model fault:canned=ollama-no-files -BaseUri $args[1] -Verbose", pdf, secret));
            Keep();
            ErrorRecord refused = Assert.Single(ps.Errors);
            Assert.StartsWith("PdfNotAccepted,", refused.FullyQualifiedErrorId, StringComparison.Ordinal);
            Assert.StartsWith($"{shown} refused the request", refused.ToString(), StringComparison.Ordinal);

            said.Add(host.Text);
            Assert.All(said, s =>
            {
                Assert.DoesNotContain(User, s, StringComparison.Ordinal);
                Assert.DoesNotContain(Password, s, StringComparison.Ordinal);
                Assert.DoesNotContain(Key, s, StringComparison.Ordinal);
            });
        }
    }
}
