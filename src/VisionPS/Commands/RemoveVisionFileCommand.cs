using System;
using System.Collections.Generic;
using System.Management.Automation;
using System.Security;
using System.Threading.Tasks;
using VisionPS.Core.OpenAI;
using VisionPS.Infrastructure;

namespace VisionPS.Commands
{
    /// <summary>
    /// Deletes uploaded files (Files API) by id.
    /// </summary>
    /// <remarks>
    /// Remove-VisionFile deletes files from the service, for example those Add-VisionFile or Add-AssistantImage
    /// uploaded. Ids bind from the pipeline by property name (Id, FileId or FileIds), and that output given by position
    /// binds the same way (Remove-VisionFile $msg deletes the files of an Add-AssistantImage message); an object that
    /// names no file is refused before anything is sent. It supports -WhatIf and -Confirm; a file that cannot be deleted yields one FileRequestFailed
    /// error and the others go on.
    /// </remarks>
    /// <example>
    /// <code>Add-VisionFile -Image photo.jpg | Remove-VisionFile</code>
    /// <para>Uploads a photo and deletes it again.</para>
    /// </example>
    /// <example>
    /// <code>Remove-VisionFile -Id file-abc123, file-def456 -WhatIf</code>
    /// <para>Shows which files would be deleted, without deleting them.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Remove, "VisionFile", HelpUri = ProjectLinks.HelpUri, SupportsShouldProcess = true, ConfirmImpact = ConfirmImpact.Medium)]
    [OutputType(typeof(void))]
    public sealed class RemoveVisionFileCommand : VisionServiceCmdlet
    {
        private readonly List<string> _ids = new List<string>();

        /// <summary>The file ids to delete.</summary>
        [Parameter(Mandatory = true, Position = 0, ValueFromPipeline = true, ValueFromPipelineByPropertyName = true)]
        [Alias("FileId", "FileIds")]
        [FromProperty("Id", "FileId", "FileIds", Refuse = "The {0} given names no file to delete: it has no Id, FileId or FileIds with a value. Give file ids (file-abc123), or the output of Add-VisionFile or Add-AssistantImage; nothing was sent.")]
        [ValidateNotNullOrEmpty]
        public string[] Id { get; set; } = Array.Empty<string>();



        protected override void ProcessRecord()
        {
            foreach (string id in Id)
            {
                if (ShouldProcess(id, "Delete file"))
                {
                    _ids.Add(id);
                }
            }
        }

        protected override void EndProcessing()
        {
            if (_ids.Count == 0)
            {
                return;
            }
            using var client = new VisionClient(Connection);
            RunAsync(async cancel =>
            {
                foreach (string id in _ids)
                {
                    try
                    {
                        if (await client.DeleteFileAsync(id, cancel).ConfigureAwait(false))
                        {
                            EmitVerbose($"Deleted {id}.");
                        }
                        else
                        {
                            string message = $"The service did not delete '{id}' (it answered deleted: false); check it with the Files API and try again.";
                            EmitError(ErrorIds.Create(new InvalidOperationException(message), ErrorIds.FileNotDeleted, ErrorCategory.InvalidResult, id, message));
                        }
                    }
                    catch (OpenAIRequestException ex)
                    {
                        EmitError(ErrorIds.ForRequest(ex, ErrorIds.FileRequestFailed, id));
                    }
                }
            });
        }
    }
}
