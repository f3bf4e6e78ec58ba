using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
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
    /// Attaches images to a server-side conversation (Conversations, or a legacy Assistants thread) by uploading them.
    /// </summary>
    /// <remarks>
    /// Add-AssistantImage adds one user message with images (and -Prompt text) to a conversation kept by the service,
    /// so later requests can refer to it: a Conversations id (conv_...), a legacy Assistants v2 thread (thread_..., for
    /// servers that still speak it), or a new conversation when -ConversationId is not given. Local images are
    /// prepared exactly as ConvertTo-VisionImage does, uploaded with purpose 'vision' (each upload asks ShouldProcess)
    /// and attached by file id; http(s) URLs are attached as URLs. A base64 data: URL is never sent to a conversation
    /// or thread: the Assistants API rejects it ("Expected a valid URL, but got a value with an invalid format"), which
    /// is why VisionPS uploads instead. The output names the conversation, the message and the uploaded file ids;
    /// continue with Send-VisionChat -ConversationId. Every image is prepared before any is uploaded: a message the
    /// service would refuse for its size (an image of more than 20 MB, or more than 50 MB of images, counted by the
    /// bytes uploaded: they are attached by file id, not as base64) uploads nothing and is RequestTooLarge, naming them.
    /// <para>PDF files are checked first (PdfEncrypted, PdfTooManyPages, PdfTooLarge, PdfDamaged), uploaded as they are
    /// with purpose 'user_data' and attached as input_file parts, after the images; legacy threads take no PDFs.</para>
    /// <para>Uploads that end up in no message (the message fails or is declined, or the command is stopped by Ctrl+C
    /// or -ErrorAction Stop first) are deleted again, within a few seconds in all, so a stop is never held up by a
    /// stalled service; any that could not be deleted are named in a warning (or in the error) with the
    /// Remove-VisionFile command that removes them.</para>
    /// </remarks>
    /// <example>
    /// <code>$msg = Add-AssistantImage -Image ./statements/2026-11.pdf -Prompt 'My November bank statement.'
    /// Send-VisionChat 'Which payments were over 500?' -ConversationId $msg.ConversationId</code>
    /// <para>Uploads a PDF statement (purpose user_data) into a new conversation, then asks about it there.</para>
    /// </example>
    /// <example>
    /// <code>$msg = Get-ChildItem invoice*.png | Add-AssistantImage -Prompt 'These are this month''s invoices.'
    /// Send-VisionChat 'What is the total of all invoices?' -ConversationId $msg.ConversationId</code>
    /// <para>Starts a conversation with the invoices attached, then asks about them in it.</para>
    /// </example>
    /// <example>
    /// <code>$msg = Add-AssistantImage receipt.jpg -Prompt 'A receipt.'
    /// Add-AssistantImage $msg.ConversationId -Prompt 'It was paid in cash.'
    /// $msg | Add-AssistantImage receipt-back.jpg</code>
    /// <para>Starts a conversation with a receipt, then adds a note and the back of the receipt to it: a conversation
    /// id given first, without a name, is the conversation (not an image), and a message piped in names its own.</para>
    /// </example>
    /// <example>
    /// <code>Add-AssistantImage photo.heic, https://example.com/chart.png thread_abc123</code>
    /// <para>Adds an uploaded iPhone photo and a URL image to a legacy Assistants thread. Without names the images and
    /// the conversation or thread go in either order (Add-AssistantImage thread_abc123 photo.heic); separate several
    /// images with commas.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Add, "AssistantImage", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(AssistantMessage))]
    public sealed class AddAssistantImageCommand : ImageInputCmdlet
    {
        /// <summary>The conversation (conv_...) or legacy thread (thread_...); a new conversation when omitted. Given without a name it may come first or second: a conversation id among the first values is taken as the conversation.</summary>
        [Parameter(Position = 1, ValueFromPipelineByPropertyName = true)]
        [Alias("ThreadId")]
        [FromProperty("ConversationId")]
        public string? ConversationId { get; set; }

        /// <summary>Images: VisionImage objects, paths (wildcards allowed), Get-ChildItem items or http(s) URLs; the first value given without a name (several are separated by commas). A conversation or thread id there that names no file, or an Add-AssistantImage message, is taken as -ConversationId when that is not given.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNull]
        public override object[] Image { get; set; } = Array.Empty<object>();

        /// <summary>Text added to the same message, before the images.</summary>
        [Parameter]
        [ValidateNotNullOrEmpty]
        public string? Prompt { get; set; }

        /// <summary>The detail for every image: Auto, Low, High or Original.</summary>
        [Parameter]
        [PSDefaultValue(Help = "Set-VisionDefault -Detail, else Auto")]
        [Infrastructure.OneDetail]
        public ImageDetail Detail { get; set; } = ImageDetail.Auto;

        /// <summary>When the uploaded files expire (the service deletes them), 1 hour to 30 days, such as (New-TimeSpan -Days 1); default: never.</summary>
        [Parameter]
        [PSDefaultValue(Help = "None: never")]
        [Infrastructure.ValidateTimeSpan(3600, 30 * 86400)] // the Files API takes 1 hour to 30 days
        public TimeSpan ExpiresAfter { get; set; }

        private protected override ImageDetail CollectDetail => Detail;

        private protected override void ResolveImageOptions()
        {
            Detail = SessionModel.Detail(this, Detail);
            ModelRulesWarning.WarnIfNoOriginal(this, AskedModel, Detail);
        }

        protected override void BeginProcessing()
        {
            TakeConversationFromImage();
            CheckConversationId();
            base.BeginProcessing();
        }

        /// <summary>
        /// The conversation given first, as before -Image took position 0: <c>Add-AssistantImage $m.ConversationId
        /// -Prompt 'A note.'</c>, <c>Get-ChildItem *.gif | Add-AssistantImage conv_abc</c> and <c>Add-AssistantImage
        /// conv_abc photo.jpg</c>. When -ConversationId was not given (or holds what is no id: the image given
        /// second), a value of -Image that is a conversation or thread id in any case and no existing file, or an
        /// Add-AssistantImage message, is the conversation; the image given second goes to -Image.
        /// </summary>
        private void TakeConversationFromImage()
        {
            bool given = IsBound(nameof(ConversationId));
            if (given && ValidateConversationIdAttribute.IsId(ConversationId, threads: true))
            {
                return;
            }
            int at = -1;
            string? found = null;
            for (int i = 0; i < Image.Length; i++)
            {
                if (ConversationIn(Image[i]) is string id)
                {
                    if (found != null)
                    {
                        return; // two conversations: neither is guessed; each is reported as the image it was given as
                    }
                    (at, found) = (i, id);
                }
            }
            if (found is null)
            {
                return;
            }
            var images = Image.Where((_, i) => i != at).ToList();
            if (given && ConversationId is string second)
            {
                images.Add(second); // Add-AssistantImage conv_abc photo.jpg: the photo is the image
            }
            Image = images.ToArray();
            ConversationId = found;
        }

        /// <summary>The conversation a value given as an image names, or null when it is (or may be) an image.</summary>
        private string? ConversationIn(object? value)
        {
            switch (value is PSObject pso ? pso.BaseObject : value)
            {
                case AssistantMessage message:
                    return message.ConversationId;
                case string text when ValidateConversationIdAttribute.IsId(text, threads: true) && !IsExistingPath(text):
                    return text;
                default:
                    return null;
            }
        }

        private bool IsExistingPath(string text)
        {
            try
            {
                string full = SessionState.Path.GetUnresolvedProviderPathFromPSPath(text);
                return System.IO.File.Exists(full) || System.IO.Directory.Exists(full);
            }
            catch (Exception ex) when (ex is RuntimeException || ex is ArgumentException || ex is NotSupportedException || ex is System.IO.IOException)
            {
                return false;
            }
        }

        /// <summary>
        /// Refuses a -ConversationId that is no id, in words, as PowerShell refuses a parameter that fails validation
        /// (ParameterArgumentValidationError), before anything is uploaded.
        /// </summary>
        private void CheckConversationId()
        {
            if (ConversationId != null && ValidateConversationIdAttribute.Problem(ConversationId, threads: true) is string problem)
            {
                ThrowTerminatingError(new ErrorRecord(new ValidationMetadataException($"Cannot validate argument on parameter 'ConversationId'. {problem}"),
                    "ParameterArgumentValidationError", ErrorCategory.InvalidData, ConversationId));
            }
        }

        // Whether an Add-AssistantImage message came down the pipeline and named the conversation ($m | Add-AssistantImage ...).
        private bool _conversationPiped;

        protected override void ProcessRecord()
        {
            if ((InputObject is PSObject pso ? pso.BaseObject : InputObject) is AssistantMessage message
                && string.Equals(message.ConversationId, ConversationId, StringComparison.Ordinal))
            {
                // $m | Add-AssistantImage more.jpg: the message bound -ConversationId by property name; it is no
                // image given, so it is neither collected as one nor refused as one.
                _conversationPiped = true;
                return;
            }
            base.ProcessRecord();
        }

        protected override void EndProcessing()
        {
            CheckConversationId(); // one bound from the pipeline by property name (an Import-Csv row) is checked here
            if (MyInvocation.ExpectingInput && !ImagesGiven && !_conversationPiped)
            {
                // A pipe that found no files: no conversation with an empty message is created for it.
                WriteWarning("No image came down the pipeline, so nothing was uploaded or attached. Check the command before the pipe (it found no files?).");
                return;
            }
            if (ImagesGiven && Work.Count == 0)
            {
                // Every image was refused before preparing (a path that is not there, an object that is no image):
                // the message would hold none of them, so no conversation is created and nothing is posted.
                WriteWarning(NothingSent);
                return;
            }
            if (!ImagesGiven && Prompt is null)
            {
                WriteWarning("No image (-Image or the pipeline) and no -Prompt was given, so nothing was sent: a message needs one or both.");
                return;
            }
            PrepareOptions options = PrepareParameters.Build(AskedModel, Detail, GivenMaxSide, null, allowPartial: AllowPartial);
            TimeSpan? expires = MyInvocation.BoundParameters.ContainsKey(nameof(ExpiresAfter)) ? ExpiresAfter : null;
            if (ScriptPreferences.Errors(this) == ActionPreference.Stop)
            {
                _leftOut = " (the run stops at this error: no message is added)";
            }
            using var client = new VisionClient(Connection);
            RunAsync(cancel => Task.Run(() => AttachAsync(client, options, expires, cancel), cancel));
        }

        // How many of the images given failed (an error was written for each); declined uploads are not counted.
        private int _failed;

        /// <summary>The warning when images were given and none of them can be attached.</summary>
        private string NothingSent => "None of the images given could be used, so nothing was sent ("
            + (ConversationId is null ? "no conversation was created" : $"no message was added to {ConversationId}") + "); see the errors above.";

        // What a failed upload means for the message, in its error: left out of it, or, when errors stop the run
        // (-ErrorAction Stop), no message at all (set in EndProcessing).
        private string _leftOut = " (it is left out of the message)";

        // Whether the message holding the uploads was added: from then on they belong to it.
        private bool _attached;

        // Whether the uploads were already deleted again (a declined or failed message): no second cleanup.
        private bool _cleanedUp;

        private async Task AttachAsync(VisionClient client, PrepareOptions options, TimeSpan? expires, CancellationToken cancel)
        {
            var fileIds = new List<string>();
            try
            {
                await AttachUploadsAsync(client, options, expires, fileIds, cancel).ConfigureAwait(false);
            }
            catch when (!_attached && !_cleanedUp && fileIds.Count > 0)
            {
                // Stopped before the message was added (-ErrorAction Stop at a later image's error, Ctrl+C, a halt at
                // -Confirm): the files uploaded so far belong to nothing and nobody has their ids, so they are deleted
                // again, within the cleanup's own short budget (a stalled service never holds up the stop), before the
                // stop goes on. Nothing is said when that works; the files it could not delete are named in a warning.
                IReadOnlyList<FileLeft> left = await client.DeleteUnusedFilesAsync(fileIds).ConfigureAwait(false);
                if (left.Count > 0)
                {
                    WarnAtEnd($"Add-AssistantImage stopped before its message was added, and {left.Count} of the {fileIds.Count} file(s) it had uploaded could not be deleted again: {FileLeft.Describe(left)}. "
                        + $"They are on the service, attached to nothing; remove them with: Remove-VisionFile {CommandText.Arguments(left.Select(f => f.Id))}");
                }
                throw;
            }
        }

        private async Task AttachUploadsAsync(VisionClient client, PrepareOptions options, TimeSpan? expires, List<string> fileIds, CancellationToken cancel)
        {
            bool thread = ConversationId?.StartsWith("thread_", StringComparison.Ordinal) == true;
            var inputs = new List<VisionImageInput>();
            var sources = new List<string>();
            var pdfs = Work.Where(w => w.Path is string p && Core.Documents.PdfDocumentCheck.IsPdfFile(p)).ToList();
            if (PrepareAll(Work.Where(w => !pdfs.Contains(w)).ToList(), options, cancel) is not List<(VisionImage? Image, ErrorRecord? Error)> images)
            {
                return; // the message would be too large: nothing was uploaded
            }
            // Attached in input order: the prepared images (in order, without the PDFs) are taken one by one as the
            // walk over the input meets them, and each PDF is uploaded where it was given.
            int next = 0;
            foreach (ImageWork work in Work)
            {
                if (pdfs.Contains(work))
                {
                    // Checked, uploaded as it is with purpose user_data, attached as input_file.
                    await UploadPdfAsync(client, work.Path!, thread, expires, inputs, sources, fileIds, cancel).ConfigureAwait(false);
                }
                else if (next < images.Count)
                {
                    (VisionImage? image, ErrorRecord? error) = images[next];
                    images[next++] = default; // uploaded: its bytes are let go
                    await AttachImageAsync(client, image, error, expires, inputs, sources, fileIds, cancel).ConfigureAwait(false);
                }
            }
            if (Work.Count > 0 && inputs.Count == 0)
            {
                // Nothing to attach: each failure has been reported (and said to have sent nothing); a declined upload
                // (-WhatIf, No at -Confirm) is what the user chose.
                if (_failed > 0)
                {
                    EmitWarning(NothingSent);
                }
                return;
            }
            string target = ConversationId ?? "a new conversation";
            int pdfInputs = inputs.Count(i => i.IsDocument);
            if (!await ShouldProcessAsync(target, $"Add a message with {Core.MessageText.ImagesAndPdfs(inputs.Count - pdfInputs, pdfInputs)}").ConfigureAwait(false))
            {
                IReadOnlyList<FileLeft> declined = await DeleteUploadsAsync(client, fileIds).ConfigureAwait(false);
                if (declined.Count > 0)
                {
                    EmitWarning($"No message was added, and {declined.Count} of the {fileIds.Count} file(s) uploaded for it could not be deleted again: {FileLeft.Describe(declined)}. "
                        + $"Remove them with: Remove-VisionFile {CommandText.Arguments(declined.Select(f => f.Id))}");
                }
                return;
            }
            try
            {
                string id = ConversationId ?? await client.CreateConversationAsync(cancel).ConfigureAwait(false);
                string messageId = thread
                    ? await client.AddThreadMessageAsync(id, Prompt, inputs, cancel).ConfigureAwait(false)
                    : await client.AddConversationItemAsync(id, Prompt, inputs, cancel).ConfigureAwait(false);
                _attached = true;
                Emit(new AssistantMessage(thread ? "Thread" : "Conversation", id, messageId, fileIds, sources));
            }
            catch (OpenAIRequestException ex)
            {
                IReadOnlyList<FileLeft> left = await DeleteUploadsAsync(client, fileIds).ConfigureAwait(false);
                // A server that takes images only may refuse the message's input_file parts as it refuses a question's.
                List<string> attachedPdfs = sources.Where((_, i) => inputs[i].IsDocument).ToList();
                ErrorRecord? refused = PdfRefusal.For(ex, attachedPdfs, Connection, target, "Add-AssistantImage");
                ErrorRecord record = refused ?? ErrorIds.ForRequest(ex, ErrorIds.AttachFailed, target);
                record.ErrorDetails = new ErrorDetails((refused?.ErrorDetails.Message ?? ex.Message) + (fileIds.Count == 0 ? string.Empty
                    : left.Count == 0 ? $" The {fileIds.Count} uploaded file(s) were deleted again."
                    : $" These uploads could not be deleted: {FileLeft.Describe(left)}; remove them with: Remove-VisionFile {CommandText.Arguments(left.Select(f => f.Id))}"))
                {
                    RecommendedAction = refused?.ErrorDetails.RecommendedAction ?? ex.Hint,
                };
                if (left.Count > 0 && cancel.IsCancellationRequested)
                {
                    // Ctrl+C during the cleanup (a stalled service is when users press it): the error below is dropped
                    // with the stop, so the files left are named in a warning, which a stopped run still gets.
                    WarnAtEnd($"No message was added, and {left.Count} of the {fileIds.Count} file(s) uploaded for it could not be deleted again: {FileLeft.Describe(left)}. "
                        + $"Remove them with: Remove-VisionFile {CommandText.Arguments(left.Select(f => f.Id))}");
                }
                EmitError(record);
            }
        }

        /// <summary>
        /// Prepares every image before any is uploaded, and holds them to the service's size limits as one message: an
        /// image of more than 20 MB, or more than 50 MB of images in all, would be refused with the message, so nothing is
        /// uploaded and one RequestTooLarge error names them (after each image's own error). Images attached by file id
        /// count by their bytes (they are not in the request as base64; RequestPart.Uploaded), a URL the service
        /// downloads as the URL. Null when refused; otherwise the prepared images (or errors), in input order. Once the
        /// images are known to be too many, the bytes of those prepared after are not kept: only their sizes are needed.
        /// </summary>
        private List<(VisionImage? Image, ErrorRecord? Error)>? PrepareAll(List<ImageWork> work, PrepareOptions options, CancellationToken cancel)
        {
            var images = new List<(VisionImage? Image, ErrorRecord? Error)>();
            var parts = new List<RequestPart>();
            bool tooLarge = false;
            foreach ((ImageWork _, VisionImage? image, ErrorRecord? error) in ImageInputs.Prepare(work, options, cancel, EmitProgress, "Add-AssistantImage: preparing images"))
            {
                if (image is not null)
                {
                    parts.Add(image.Url is Uri url ? RequestPart.Reference(image.Source, url.AbsoluteUri) : RequestPart.Uploaded(image.Source, image.Length));
                    if (!tooLarge && RequestTooLargeException.Check(parts) is not null)
                    {
                        tooLarge = true;
                        images = images.Select(i => ((VisionImage?)null, i.Error)).ToList();
                    }
                }
                images.Add((tooLarge ? null : image, error));
            }
            if (RequestTooLargeException.Check(parts) is not RequestTooLargeException refused)
            {
                return images;
            }
            foreach ((VisionImage? _, ErrorRecord? error) in images)
            {
                if (error is not null)
                {
                    _failed++;
                    EmitError(error);
                }
            }
            _failed++;
            EmitError(ErrorIds.ForRequestSize(refused));
            return null;
        }

        private async Task AttachImageAsync(VisionClient client, VisionImage? image, ErrorRecord? error, TimeSpan? expires,
            List<VisionImageInput> inputs, List<string> sources, List<string> fileIds, CancellationToken cancel)
        {
            if (image is null)
            {
                _failed++;
                EmitError(error!);
                return;
            }
            if (image.Url != null)
            {
                inputs.Add(VisionImageInput.FromUrl(image.Url, Detail));
                sources.Add(image.Source);
                return;
            }
            PrepareParameters.Report(image, EmitVerbose, EmitWarning);
            string name = UploadName(image);
            if (!await ShouldProcessAsync($"{image.Source} ({image.MimeType}, {image.Length} bytes) as {name}", "Upload with purpose 'vision'").ConfigureAwait(false))
            {
                return;
            }
            try
            {
                VisionFile file = await client.UploadFileAsync(image.Prepared!.Bytes, name, "vision", expires, cancel).ConfigureAwait(false);
                EmitVerbose($"{image.Source}: uploaded as {file.Id}.");
                fileIds.Add(file.Id);
                inputs.Add(VisionImageInput.FromFileId(file.Id, Detail));
                sources.Add(image.Source);
            }
            catch (OpenAIRequestException ex)
            {
                _failed++;
                EmitError(ErrorIds.ForUpload(ex, image.Source, _leftOut));
            }
        }

        private async Task UploadPdfAsync(VisionClient client, string path, bool thread, TimeSpan? expires,
            List<VisionImageInput> inputs, List<string> sources, List<string> fileIds, CancellationToken cancel)
        {
            if (thread)
            {
                _failed++;
                string message = $"'{path}' is a PDF: legacy threads take images only. Attach it to a conversation (conv_...) instead.";
                EmitError(ErrorIds.Create(new NotSupportedException(message), ErrorIds.AttachFailed, ErrorCategory.InvalidArgument, path, message));
                return;
            }
            byte[] bytes;
            try
            {
                (bytes, Core.Documents.PdfDocumentInfo info) = Core.Documents.PdfDocumentCheck.CheckFile(path);
                EmitVerbose($"{path}: PDF, {info.Pages} page(s), {bytes.Length} bytes, checked.");
            }
            catch (Core.Documents.PdfCheckException ex)
            {
                _failed++;
                EmitError(ErrorIds.ForPdf(ex, path));
                return;
            }
            catch (Exception ex) when (ex is System.IO.IOException || ex is UnauthorizedAccessException)
            {
                _failed++;
                EmitError(ImageInputs.ForFailure(ex, path));
                return;
            }
            string name = Core.Documents.PdfLimits.SentFileName(path);
            if (!await ShouldProcessAsync($"{path} (application/pdf, {bytes.Length} bytes) as {name}", $"Upload with purpose '{Core.Documents.PdfLimits.UploadPurpose}'").ConfigureAwait(false))
            {
                return;
            }
            try
            {
                VisionFile file = await client.UploadFileAsync(bytes, name, Core.Documents.PdfLimits.UploadPurpose, expires, cancel).ConfigureAwait(false);
                EmitVerbose($"{path}: uploaded as {file.Id}.");
                fileIds.Add(file.Id);
                inputs.Add(VisionImageInput.FromPdfFileId(file.Id));
                sources.Add(path);
            }
            catch (OpenAIRequestException ex)
            {
                _failed++;
                EmitError(ErrorIds.ForUpload(ex, path, _leftOut));
            }
        }

        /// <summary>
        /// Deletes uploads that were never attached (the message was declined or failed), within the cleanup's own
        /// budget; says so in the verbose stream; returns the files that could not be deleted.
        /// </summary>
        private async Task<IReadOnlyList<FileLeft>> DeleteUploadsAsync(VisionClient client, List<string> fileIds)
        {
            _cleanedUp = true;
            IReadOnlyList<FileLeft> left = await client.DeleteUnusedFilesAsync(fileIds).ConfigureAwait(false);
            foreach (string fileId in fileIds.Where(id => !left.Any(f => f.Id == id)))
            {
                EmitVerbose($"{fileId}: deleted again (it was not attached).");
            }
            return left;
        }

        internal static string UploadName(VisionImage image)
        {
            string stem = System.IO.Path.GetFileNameWithoutExtension(image.Source);
            string ext = image.FileExtension;
            return (string.IsNullOrEmpty(stem) ? "image" : stem) + ext;
        }
    }
}
