using System;
using System.Collections.Generic;
using System.Linq;
using System.Management.Automation;
using System.Security;
using System.Threading;
using System.Threading.Tasks;
using VisionPS.Core;
using VisionPS.Core.Imaging;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Uploads images with purpose 'vision' (Files API), prepared so the service accepts them.
    /// </summary>
    /// <remarks>
    /// Add-VisionFile prepares each image as ConvertTo-VisionImage does (so a HEIC, TIFF or sideways photo arrives as an
    /// upright PNG or JPEG) and uploads it to the Files API with purpose 'vision', optionally expiring after
    /// -ExpiresAfter. The output is the stored file (Id, FileName, Bytes, Purpose, ExpiresAt); use the Id in
    /// requests that take a file_id, and Remove-VisionFile to delete it. Each upload asks ShouldProcess.
    /// <para>A run that does not get to its end (Ctrl+C, -ErrorAction Stop at a later image's error) hands a variable
    /// ($files = Add-VisionFile ...) none of its output, so a warning names the files it had uploaded, with the
    /// Remove-VisionFile command that removes them. A command after it that wants no more (| Select-Object -First 1) ends
    /// it normally: the next upload starts only once the last file was taken.</para>
    /// </remarks>
    /// <example>
    /// <code>Get-ChildItem scans/*.tiff | Add-VisionFile -ExpiresAfter (New-TimeSpan -Days 1)</code>
    /// <para>Uploads every TIFF scan (as PNG or JPEG) for one day.</para>
    /// </example>
    /// <example>
    /// <code>$file = Add-VisionFile -Image photo.jpg; $file.Id</code>
    /// <para>Uploads one photo and shows its file id.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Add, "VisionFile", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Low)]
    [OutputType(typeof(VisionFile))]
    public sealed class AddVisionFileCommand : ImageInputCmdlet
    {
        /// <summary>Images: VisionImage objects, paths (wildcards allowed) or Get-ChildItem items.</summary>
        [Parameter(Position = 0)]
        [SupportsWildcards]
        [ValidateNotNull]
        public override object[] Image { get; set; } = Array.Empty<object>();

        /// <summary>When the service deletes the uploaded files, 1 hour to 30 days, such as (New-TimeSpan -Days 1); default: never.</summary>
        [Parameter]
        [PSDefaultValue(Help = "None: never")]
        [Infrastructure.ValidateTimeSpan(3600, 30 * 86400)] // the Files API takes 1 hour to 30 days
        public TimeSpan ExpiresAfter { get; set; }

        protected override void EndProcessing()
        {
            if (WarnWhenNoImage("nothing was uploaded"))
            {
                return;
            }
            PrepareOptions options = PrepareParameters.Build(AskedModel, ImageDetail.Auto, GivenMaxSide, null, allowPartial: AllowPartial);
            TimeSpan? expires = MyInvocation.BoundParameters.ContainsKey(nameof(ExpiresAfter)) ? ExpiresAfter : null;
            using var client = new VisionClient(Connection);
            RunAsync(cancel => Task.Run(() => UploadAsync(client, options, expires, cancel), cancel), UploadedBeforeTheEnd);
        }

        // The image whose upload is under way (null between uploads): stopped then, the service may still store it.
        private volatile string? _uploading;

        /// <summary>The warning for a run that ended early after uploading files: their ids, and how to remove them.</summary>
        private string? UploadedBeforeTheEnd(IReadOnlyList<Created> files)
        {
            string? underWay = _uploading is string source
                ? $"The upload under way at the stop ({source}) may be stored on the service as well; its id was never answered."
                : null;
            if (files.Count == 0)
            {
                return underWay is null ? null : "Add-VisionFile did not run to its end. " + underWay;
            }
            return $"Add-VisionFile did not run to its end (stopped, or ended by an error), and the {files.Count} file(s) it had uploaded stay on the service: "
                + string.Join(", ", files.Select(f => $"{f.Id} ({f.About})")) + "." + (underWay is null ? "" : " " + underWay)
                + $" Use their ids, or remove them with:{Environment.NewLine}Remove-VisionFile {CommandText.Arguments(files.Select(f => f.Id))}";
        }

        private async Task UploadAsync(VisionClient client, PrepareOptions options, TimeSpan? expires, CancellationToken cancel)
        {
            bool anyUsable = false;
            foreach ((ImageWork work, VisionImage? image, ErrorRecord? error) in ImageInputs.Prepare(Work, options, cancel, EmitProgress, "Add-VisionFile: preparing and uploading images"))
            {
                if (image?.Prepared is null)
                {
                    string message = $"'{work.Source}' is a URL; only local images are uploaded. Download it first (ConvertTo-VisionImage -Uri ... -Download).";
                    EmitError(error ?? ErrorIds.Create(new ArgumentException(message), ErrorIds.InvalidImageInput, ErrorCategory.InvalidArgument, work.Source, message));
                    continue;
                }
                anyUsable = true;
                PrepareParameters.Report(image, EmitVerbose, EmitWarning); // partial image, first frame, reduced to fit
                string name = AddAssistantImageCommand.UploadName(image);
                if (!await ShouldProcessAsync($"{image.Source} ({image.MimeType}, {image.Length} bytes) as {name}", "Upload with purpose 'vision'").ConfigureAwait(false))
                {
                    continue;
                }
                VisionFile file;
                // Left set when the upload is cut off (a stop): the service may have stored it all the same.
                _uploading = image.Source;
                try
                {
                    file = await client.UploadFileAsync(image.Prepared.Bytes, name, "vision", expires, cancel).ConfigureAwait(false);
                    _uploading = null;
                }
                catch (OpenAIRequestException ex)
                {
                    _uploading = null;
                    EmitError(ErrorIds.ForUpload(ex, image.Source));
                    continue;
                }
                catch (RequestDeclinedException)
                {
                    // Nothing went out (a stop at the clear-text warning, -WarningAction Stop): no upload is under way.
                    _uploading = null;
                    throw;
                }
                Emit(NoteCreated(file.Id, image.Source), file);
                // The next upload (stored, and billed) starts only once the commands after this one took the file: when
                // they want no more (| Select-Object -First 1), the run ends here, with nothing uploaded that nobody gets.
                await WrittenAsync().ConfigureAwait(false);
            }
            if (!anyUsable)
            {
                // Images were given (else EndProcessing warned already), and each has had its error.
                EmitWarning("None of the images given could be used, so nothing was uploaded (see the errors above).");
            }
        }
    }
}
