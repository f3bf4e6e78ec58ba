using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Asking;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Asks a vision model about images and returns its answer.
    /// </summary>
    /// <remarks>
    /// Send-VisionChat sends a prompt with images to an OpenAI-style vision model through Chat Completions (default)
    /// or the Responses API, and emits a ChatResult with the answer, the token usage and the images it was about.
    /// Images come from -Image or the pipeline: VisionImage objects from ConvertTo-VisionImage, Get-ChildItem items,
    /// paths, or http(s) URLs (passed through untouched); files are prepared on the fly exactly as ConvertTo-VisionImage
    /// does. By default every piped image goes into one request, sent when the pipeline ends; -PerImage sends one
    /// request per image, up to -ThrottleLimit at a time, emitting one result per image in input order, and keeps
    /// answers in the local answer cache so a re-run never pays twice (-NoCache turns that off). -JsonSchema asks for
    /// structured output and parses it into Object. -Stream writes the answer as it arrives, as Write-Host does. -WhatIf shows
    /// the request that would be sent, base64 shortened, with its estimated image tokens, and sends nothing; a request
    /// is described only then (and for -Confirm and -Debug). The
    /// connection comes from the parameters, then Set-VisionDefault, then OPENAI_API_KEY and OPENAI_BASE_URL. Rate
    /// limits (429) and server errors are retried with back-off; a failed request yields one ChatRequestFailed error
    /// with the server's message and advice, an answer that cannot be read one ResponseUnreadable error (-Debug shows
    /// the raw answer), and the rest of the batch goes on. With -PerImage and -ErrorAction Stop, the first error sends
    /// no further request, and the answers of the requests already sent (paid for) come out before it stops the run.
    /// A -PerImage run whose answers are taken only in part (| Select-Object -First 1, a break) stops where the script
    /// stopped taking them: an image is started only while fewer than -ThrottleLimit answers before it are still to be
    /// written, so up to -ThrottleLimit minus 1 requests already in flight are abandoned then (cancelled: the service
    /// may still bill them, and their answers are not kept in the answer cache); with -ThrottleLimit 1 none is.
    /// A refusal is in Refusal and warned about. When images were given and none could be used (a missing file, a
    /// folder: pipe its files with Get-ChildItem DIR -File), each gets its error and nothing is sent. A request the
    /// service would refuse for its size is not sent: RequestTooLarge names the files, their size and the limit, for an
    /// image of more than 20 MB or more than 50 MB in one request, each counted as sent (an image or PDF goes inline as a
    /// base64 data URL, 4/3 of its bytes; a URL the service downloads counts as the URL); with -PerImage each request is
    /// judged alone. -Detail Original with -Api Chat stops the command (a terminating error, OriginalNeedsResponses)
    /// before any image is read: Chat Completions takes auto, low and high. Ctrl+C stops at once.
    /// <para>PDFs (invoices, forms, receipts) are sent as they are, as a Chat 'file' part (file_data, a
    /// data:application/pdf;base64 URL, with its filename) or a Responses 'input_file'; the service reads each page's
    /// text and an image of it. Each PDF is checked locally first: it opens without a password (permissions only is fine), and one request holds at
    /// most 100 pages and 32 MB of PDF (OpenAI's file-inputs guide); otherwise PdfEncrypted, PdfTooManyPages,
    /// PdfTooLarge or PdfDamaged names the file and nothing is sent for it. With -PerImage each PDF is a request of its
    /// own. For servers that take images only, turn scanned PDFs into images with ConvertTo-VisionImage.</para>
    /// <para>-Stream writes the answer as it arrives, through Chat Completions or the Responses API (conversations
    /// included); it is refused with -PerImage, whose answers arrive in parallel. Like Write-Host, it writes to the
    /// information stream (host messages tagged PSHOST): the console shows the text by default, 6&gt;$null or
    /// -InformationAction Ignore silence it, -InformationVariable captures the pieces, *&gt;&amp;1 or 6&gt;&amp;1 redirects
    /// them; the streamed text ends its line before an error or the result is written.</para>
    /// <para>http(s) image URLs are passed through to OpenAI and Azure OpenAI, which download them. Every other endpoint
    /// (Ollama, LM Studio, the llama.cpp server, gateways) gets them downloaded here, within the file budget, prepared
    /// and sent inline, as those servers cannot fetch URLs; -InlineImageUrl does that for OpenAI too. -Verbose names each
    /// URL sent inline.</para>
    /// </remarks>
    /// <example>
    /// <code>Send-VisionChat 'What is the invoice total and due date?' -Image ./invoices/INV-1042.pdf</code>
    /// <para>Sends a PDF invoice as it is (checked locally first) and asks about it.</para>
    /// </example>
    /// <example>
    /// <code>Send-VisionChat 'Describe this.' -Image https://example.com/cat.jpg -BaseUri http://localhost:11434/v1 -Model llava -Stream -Verbose</code>
    /// <para>Asks a local Ollama server, which cannot fetch URLs: the image is downloaded, prepared and sent inline
    /// (the verbose stream says so), and the answer is written as it arrives.</para>
    /// </example>
    /// <example>
    /// <code>Get-ChildItem *.jpg | Send-VisionChat 'What is in this picture?' -PerImage | Format-Table ImageSources, Text</code>
    /// <para>Asks about every JPEG separately, four at a time, and lists each answer next to its file.</para>
    /// </example>
    /// <example>
    /// <code>Send-VisionChat 'Which of these two photos is sharper?' -Image before.jpg, after.jpg -Model gpt-4.1</code>
    /// <para>Sends both photos in one request and returns one answer.</para>
    /// </example>
    /// <example>
    /// <code>$schema = @{ type = 'object'; properties = @{ total = @{ type = 'number' }; currency = @{ type = 'string' } }; required = 'total', 'currency'; additionalProperties = $false }
    /// Get-ChildItem receipts/*.heic | Send-VisionChat 'Read the receipt total.' -PerImage -JsonSchema $schema | ForEach-Object { $_.Object.total }</code>
    /// <para>Reads the total of every receipt photo as structured data.</para>
    /// </example>
    /// <example>
    /// <code>Send-VisionChat 'Describe this diagram.' -Image diagram.png -WhatIf</code>
    /// <para>Shows the request that would be sent and its estimated image tokens, without sending it.</para>
    /// </example>
    [Cmdlet(VerbsCommunications.Send, "VisionChat", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(ChatResult))]
    public sealed class SendVisionChatCommand : AskCmdlet
    {
        /// <summary>Sends one request per image instead of one request with all images.</summary>
        [Parameter]
        public SwitchParameter PerImage { get; set; }

        /// <summary>
        /// With -PerImage: how many images are asked about at once (default 4). The next image starts only while fewer
        /// than this many answers, in input order, are waiting to be written, so a slow image holds back the ones after it.
        /// </summary>
        [Parameter]
        [ValidateRange(1, 64)]
        public int ThrottleLimit { get; set; } = 4;

        /// <summary>
        /// Writes the answer as it arrives (Chat Completions chunks, or the Responses API's response.output_text.delta
        /// events, conversations included), as Write-Host does: to the information stream, shown on the console unless
        /// silenced (6&gt;$null, -InformationAction Ignore) and captured by -InformationVariable; the ChatResult is
        /// still emitted with the whole answer. Refused with -PerImage (StreamNotSupported): parallel answers would interleave.
        /// </summary>
        [Parameter]
        public SwitchParameter Stream { get; set; }

        /// <summary>Continues a server-side conversation (conv_...); implies -Api Responses.</summary>
        [Parameter]
        [FromProperty("ConversationId")]
        [ValidateConversationId(threads: false)]
        public string? ConversationId { get; set; }

        /// <summary>With -PerImage: always ask the service, never the local answer cache.</summary>
        [Parameter]
        public SwitchParameter NoCache { get; set; }

        protected override void BeginProcessing()
        {
            if (ConversationId != null)
            {
                if (IsBound(nameof(Api)) && Api == VisionApi.Chat)
                {
                    ThrowTerminatingError(new ErrorRecord(new ArgumentException("-ConversationId continues a Responses conversation; it cannot be used with -Api Chat."),
                        "ConversationNeedsResponses", ErrorCategory.InvalidArgument, ConversationId));
                }
                Api = VisionApi.Responses;
            }
            if (Stream && PerImage)
            {
                // Answers of parallel requests would interleave on the host: -Stream is for one request.
                ThrowTerminatingError(new ErrorRecord(new ArgumentException("-Stream writes one answer as it arrives; it cannot be used with -PerImage, whose requests run in parallel. Drop -Stream (each ChatResult still holds its answer) or send one request."),
                    "StreamNotSupported", ErrorCategory.InvalidArgument, null));
            }
            base.BeginProcessing();
        }

        protected override void EndProcessing()
        {
            if (MyInvocation.ExpectingInput && !ImagesGiven)
            {
                // `Get-ChildItem *.jpg | Send-VisionChat ...` in a folder without JPEGs: the images the user meant
                // to ask about are missing, so a text-only request would be paid for an answer about nothing.
                EmitWarning("No image came down the pipeline, so nothing was sent. Check the command before the pipe (it found no files?), or call Send-VisionChat without piping anything to ask without images.");
                return;
            }
            RefuseOriginalThroughChat();
            using var client = new VisionClient(Connection);
            var pipeline = new AskPipeline(client, BuildQuestion(ConversationId))
            {
                PerImage = PerImage,
                ThrottleLimit = ThrottleLimit,
                Cache = PerImage && !NoCache ? VisionDefaults.Current.OpenCache() : null,
                OnDelta = Stream ? StreamToHost : null,
                // Described only for someone who will read it: -WhatIf, -Confirm, -Debug.
                Gate = WantsDescription() ? description => DescribeAndAskAsync(client, description) : null,
                OnPrepared = DescribePrepared,
                OnCacheHit = target => EmitVerbose($"{target}: answered from the cache."),
                OnCacheUnwritable = EmitWarning,
                InlineUrls = InlineUrls,
                UrlTimeout = Connection.Timeout,
                OnInlined = DescribeInlined,
            };
            // An error that stops the run (-ErrorAction Stop) would cancel the requests already sent for other images,
            // whose answers are paid for: it waits for them (see WriteOutcomesAsync).
            _stopAtError = PerImage && ScriptPreferences.Errors(this) == ActionPreference.Stop;
            pipeline.StopAtFirstFailure = _stopAtError; // from the failure on, not from its turn in input order: nothing more starts
            // -ErrorAction Inquire asks about each failed image in turn; when it cannot ask (pwsh -NonInteractive) or the
            // user halts, the run stops there as under Stop: the answers already paid for come out, then the error ends it.
            _inquire = PerImage && !_stopAtError && ScriptPreferences.Errors(this) == ActionPreference.Inquire;
            List<AskImage> images = AskImages();
            if (!PerImage && images.Count > ImageInputs.ManyImages)
            {
                EmitWarning(ImageInputs.ManyImagesWarning(images.Count, null));
            }
            RunAsync(cancel => Task.Run(() => WriteOutcomesAsync(pipeline, images, cancel), cancel));
        }

        private async Task WriteOutcomesAsync(AskPipeline pipeline, List<AskImage> images, CancellationToken cancel)
        {
            var progress = new ProgressRecord(2, "Send-VisionChat", "Sending");
            int done = 0;
            IAsyncEnumerable<AskOutcome> outcomes = PerImage ? pipeline.RunAsync(images, cancel) : pipeline.AllAsync(images, ImagesGiven, cancel);
            var waiting = new ProgressRecord(8, "Send-VisionChat", $"Waiting for {AskedModel} to answer about {images.Count} image(s)");
            if (!PerImage && !Stream)
            {
                EmitProgress(waiting);
            }
            ErrorRecord? stopping = null;
            await foreach (AskOutcome outcome in outcomes.WithCancellation(cancel).ConfigureAwait(false))
            {
                CompletePrepareProgress();
                if (_inquire && stopping is null && ErrorFor(outcome) is ErrorRecord asked)
                {
                    EndStreamLine();
                    Exception? halted = await EmitErrorAskingAsync(asked).ConfigureAwait(false);
                    if (halted is null)
                    {
                        continue; // written, and the user chose to go on
                    }
                    stopping = asked;
                    _halted = halted as ActionPreferenceStopException;
                    pipeline.StopStarting();
                    if (_halted is not null)
                    {
                        // PowerShell fails the pipeline at a halt: nothing more can be written. The requests already sent
                        // are still awaited (not cancelled), so their answers, paid for, are kept in the answer cache and a
                        // re-run gets them without paying again.
                        continue;
                    }
                    int sent = pipeline.Sending;
                    string why = halted is ActionPreferenceStopException
                        ? "you chose to halt"
                        : "-ErrorAction Inquire cannot ask in this session (it is non-interactive), so it stops as -ErrorAction Stop would";
                    EmitWarning($"{outcome.Target}: failed, and {why}: no further request is sent or retried."
                        + (sent > 0 ? $" Waiting for the {sent} request{(sent == 1 ? "" : "s")} already sent (their answers are paid for), then stopping at this error; press Ctrl+C to abandon {(sent == 1 ? "it" : "them")}." : string.Empty));
                    continue;
                }
                if (_halted is not null)
                {
                    continue; // see above: awaited for the answer cache, not written
                }
                if ((_stopAtError || stopping is not null) && ErrorFor(outcome) is ErrorRecord error)
                {
                    // Writing this error ends the run and cancels every request in flight: no further request is sent,
                    // the answers of those already sent come out first, then the error stops the run.
                    if (stopping is null)
                    {
                        stopping = error;
                        pipeline.StopStarting();
                        int sent = pipeline.Sending;
                        string line = $"{outcome.Target}: failed, and errors stop this run (-ErrorAction Stop): no further request is sent or retried.";
                        if (sent > 0)
                        {
                            // A wait that may be long (slow answers, a -TimeoutSec each): said where it shows, with the way out.
                            EmitWarning($"{line} Waiting for the {sent} request{(sent == 1 ? "" : "s")} already sent (their answers are paid for), then stopping at this error; press Ctrl+C to abandon {(sent == 1 ? "it" : "them")}.");
                        }
                        else
                        {
                            EmitVerbose($"{line} The run stops at this error.");
                        }
                    }
                    else
                    {
                        // The error's own words name the image as a rule ('PATH': ...): then only once.
                        string message = error.ErrorDetails?.Message ?? error.Exception.Message;
                        EmitWarning(message.IndexOf(outcome.Target, StringComparison.Ordinal) >= 0
                            ? $"Failed as well: {message}"
                            : $"{outcome.Target}: failed as well: {message}");
                    }
                    continue;
                }
                Write(outcome);
                if (PerImage)
                {
                    // The run goes on only once this answer is taken: when the script wants no more (`| Select-Object -First 1`) it stops here.
                    await WrittenAsync().ConfigureAwait(false);
                    done++;
                    progress.StatusDescription = $"{done} of {images.Count} answered";
                    progress.PercentComplete = Math.Min(100, done * 100 / Math.Max(1, images.Count));
                    EmitProgress(progress);
                }
            }
            if (_halted is not null)
            {
                EmitRethrow(_halted);
                return;
            }
            EndStreamLine(); // before the error: under -ErrorAction Stop, writing it ends the run
            if (stopping is not null && !_inquire)
            {
                EmitError(stopping);
            }
            if (PerImage)
            {
                progress.RecordType = ProgressRecordType.Completed;
                EmitProgress(progress);
            }
            else if (!Stream)
            {
                waiting.RecordType = ProgressRecordType.Completed;
                EmitProgress(waiting);
            }
            if (stopping is not null && _inquire)
            {
                // A question that could not be asked: the image's own error ends the run, once the paid answers are out.
                EmitTerminatingError(stopping);
            }
        }

        // The user's Halt at an -ErrorAction Inquire question, rethrown once the requests already sent have ended.
        private ActionPreferenceStopException? _halted;

        // -PerImage with -ErrorAction Inquire: each failure asks; one that cannot be asked (or a halt) stops the run.
        private bool _inquire;

        // -PerImage with -ErrorAction Stop: the first error waits for the answers already paid for.
        private bool _stopAtError;

        /// <summary>The error record of a failed image or request; null for any other outcome.</summary>
        private ErrorRecord? ErrorFor(AskOutcome outcome) => outcome.Kind switch
        {
            AskOutcomeKind.ImageFailed => ImageInputs.ForFailure(outcome.Error!, outcome.Target),
            AskOutcomeKind.RequestFailed => PdfRefused(outcome) ?? RequestFailed(outcome),
            _ => null,
        };

        /// <summary>The sources of the PDFs a request carried, when it went to a server other than OpenAI and Azure OpenAI.</summary>
        private System.Collections.Generic.List<string> PdfsToOtherServer(AskOutcome outcome)
        {
            var pdfs = new System.Collections.Generic.List<string>();
            if (!PdfRefusal.OtherServer(Connection))
            {
                return pdfs;
            }
            foreach (AskedImage image in outcome.Images)
            {
                if (image.IsPdf)
                {
                    pdfs.Add(image.Source);
                }
            }
            return pdfs;
        }

        /// <summary>
        /// ChatRequestFailed; for a request carrying PDFs to a server other than OpenAI and Azure OpenAI, its
        /// RecommendedAction also says how to send the pages to a server that takes images only.
        /// </summary>
        private ErrorRecord RequestFailed(AskOutcome outcome)
        {
            var ex = (OpenAIRequestException)outcome.Error!;
            ErrorRecord record = ErrorIds.ForAnswer(ex, ErrorIds.ChatRequestFailed, outcome.Target, EmitDebug, oneOfMany: PerImage);
            if (ex.PartialText is null && PdfsToOtherServer(outcome).Count > 0)
            {
                string? action = record.ErrorDetails.RecommendedAction;
                record.ErrorDetails.RecommendedAction = (string.IsNullOrEmpty(action) ? "" : action!.TrimEnd() + " ")
                    + "If this server takes images only, send the pages as images (ConvertTo-VisionImage FILE.pdf | Send-VisionChat ...).";
            }
            return record;
        }

        /// <summary>PdfNotAccepted for a request carrying PDFs that a server taking images only refused (see <see cref="PdfRefusal"/>); null otherwise.</summary>
        private ErrorRecord? PdfRefused(AskOutcome outcome)
            => outcome.Error is OpenAIRequestException ex ? PdfRefusal.For(ex, PdfsToOtherServer(outcome), Connection, outcome.Target, "Send-VisionChat") : null;

        private void Write(AskOutcome outcome)
        {
            switch (outcome.Kind)
            {
                case AskOutcomeKind.ImageFailed:
                case AskOutcomeKind.RequestFailed:
                    EndStreamLine(); // under -ErrorAction Stop, writing the error ends the run
                    EmitError(ErrorFor(outcome)!);
                    break;
                case AskOutcomeKind.NothingToSend:
                    EmitWarning("None of the images given could be used, so nothing was sent (see the errors above).");
                    break;
                case AskOutcomeKind.Answered:
                    EndStreamLine(); // the streamed text ends its line before its warnings and its result
                    foreach (string warning in AnswerWarnings.For(outcome.Answer!, outcome.Target, outcome.FromCache))
                    {
                        EmitWarning(warning);
                    }
                    ChatResult result = ChatResult.From(outcome, JsonSchema != null, EmitWarning);
                    EmitThen(() =>
                    {
                        // Already on the console: the table view does not print it again; unless -InformationAction Stop
                        // or Inquire stopped the streamed text, or it never reached the console (6>$null, -InformationAction
                        // Ignore, redirected), when the table view shows the whole answer.
                        result.Streamed = Stream && !HostTextStopped && HostTextReachesConsole();
                        WriteObject(result);
                    });
                    break;
            }
        }

        private protected override bool OneRequest => !PerImage;

        // Whether the streamed text written so far ends without a line break.
        private bool _streamEndsOpen;

        /// <summary>Ends the line a streamed answer left open, so what is written next (an error, the script's output) starts on its own.</summary>
        private void EndStreamLine()
        {
            if (_streamEndsOpen)
            {
                _streamEndsOpen = false;
                EmitHost(string.Empty, newLine: true);
            }
        }

        private void StreamToHost(string text)
        {
            if (text.Length == 0)
            {
                return; // a chunk without text (the role, the usage): nothing to show, nor to capture with -InformationVariable
            }
            _streamEndsOpen = text[text.Length - 1] != '\n';
            EmitHost(text, newLine: false);
        }

        private bool WantsDescription()
            => IsBound("WhatIf") || IsBound("Confirm") || IsBound("Debug")
               || (GetVariableValue("WhatIfPreference") is object whatIf && LanguagePrimitives.IsTrue(whatIf))
               || (GetVariableValue("DebugPreference") is ActionPreference debug && debug != ActionPreference.SilentlyContinue)
               || (GetVariableValue("ConfirmPreference") is ConfirmImpact confirm && confirm != ConfirmImpact.None && confirm <= ConfirmImpact.Low);

        private Task<bool> DescribeAndAskAsync(VisionClient client, string description)
        {
            string endpoint = UriText.Shown(client.Endpoint); // never a user name or password written into it
            EmitDebug($"{Api} request to {endpoint}: {description}");
            return ShouldProcessAsync($"{Api} request to {endpoint}:{Environment.NewLine}{description}", $"Send to {AskedModel}");
        }
    }
}
