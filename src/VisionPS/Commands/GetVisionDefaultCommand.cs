using System.Management.Automation;

namespace VisionPS.Commands
{
    /// <summary>
    /// Shows the connection and request defaults of the current PowerShell session.
    /// </summary>
    /// <remarks>
    /// Get-VisionDefault shows what Set-VisionDefault stored for this session: endpoint, model, Azure OpenAI settings,
    /// retries, proxy and timeout. The API key itself is never shown; ApiKeySource says whether it comes from the
    /// session (Set-VisionDefault), the OPENAI_API_KEY environment variable, or nowhere.
    /// </remarks>
    /// <example>
    /// <code>Get-VisionDefault</code>
    /// <para>Shows the defaults of this session.</para>
    /// </example>
    /// <example>
    /// <code>if ((Get-VisionDefault).ApiKeySource -eq 'None') { Set-VisionDefault -ApiKey (Read-Host -AsSecureString 'OpenAI key') }</code>
    /// <para>Asks for a key only when neither the session nor the environment has one.</para>
    /// </example>
    [Cmdlet(VerbsCommon.Get, "VisionDefault", HelpUri = ProjectLinks.HelpUri)]
    [OutputType(typeof(VisionDefaults))]
    public sealed class GetVisionDefaultCommand : PSCmdlet
    {
        protected override void EndProcessing() => WriteObject(VisionDefaults.Current);
    }
}
