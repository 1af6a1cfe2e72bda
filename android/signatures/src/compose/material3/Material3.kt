// androidx.compose.material3 1.3.1 (Compose BOM 2024.12.01)
@file:Suppress("unused", "UNUSED_PARAMETER")

package androidx.compose.material3

import androidx.compose.foundation.layout.RowScope
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.runtime.Composable
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.text.TextStyle
import androidx.compose.ui.text.input.VisualTransformation
import kz.kkm.signatures.stub

class ColorScheme {
    val primary: Color get() = stub()
    val error: Color get() = stub()
    val onError: Color get() = stub()
    val errorContainer: Color get() = stub()
    val surface: Color get() = stub()
    val onSurface: Color get() = stub()
}

class Typography {
    val headlineSmall: TextStyle get() = stub()
    val headlineMedium: TextStyle get() = stub()
    val headlineLarge: TextStyle get() = stub()
    val titleSmall: TextStyle get() = stub()
    val titleMedium: TextStyle get() = stub()
    val titleLarge: TextStyle get() = stub()
    val bodySmall: TextStyle get() = stub()
    val bodyMedium: TextStyle get() = stub()
    val bodyLarge: TextStyle get() = stub()
    val labelLarge: TextStyle get() = stub()
}

object MaterialTheme {
    val colorScheme: ColorScheme @Composable get() = stub()
    val typography: Typography @Composable get() = stub()
}

@Composable
fun MaterialTheme(content: @Composable () -> Unit): Unit = stub()

@Composable
fun Surface(
    modifier: Modifier = Modifier,
    color: Color = Color.Unspecified,
    content: @Composable () -> Unit,
): Unit = stub()

@Composable
fun Text(
    text: String,
    modifier: Modifier = Modifier,
    color: Color = Color.Unspecified,
    style: TextStyle? = null,
    maxLines: Int = Int.MAX_VALUE,
): Unit = stub()

@Composable
fun Button(
    onClick: () -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    content: @Composable RowScope.() -> Unit,
): Unit = stub()

@Composable
fun OutlinedButton(
    onClick: () -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    content: @Composable RowScope.() -> Unit,
): Unit = stub()

@Composable
fun TextButton(
    onClick: () -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    content: @Composable RowScope.() -> Unit,
): Unit = stub()

@Composable
fun OutlinedTextField(
    value: String,
    onValueChange: (String) -> Unit,
    modifier: Modifier = Modifier,
    enabled: Boolean = true,
    readOnly: Boolean = false,
    label: @Composable (() -> Unit)? = null,
    placeholder: @Composable (() -> Unit)? = null,
    supportingText: @Composable (() -> Unit)? = null,
    isError: Boolean = false,
    visualTransformation: VisualTransformation = VisualTransformation.None,
    keyboardOptions: KeyboardOptions = KeyboardOptions(),
    singleLine: Boolean = false,
): Unit = stub()

@Composable
fun Checkbox(checked: Boolean, onCheckedChange: ((Boolean) -> Unit)?, modifier: Modifier = Modifier, enabled: Boolean = true): Unit = stub()

@Composable
fun Switch(checked: Boolean, onCheckedChange: ((Boolean) -> Unit)?, modifier: Modifier = Modifier, enabled: Boolean = true): Unit = stub()

@Composable
fun RadioButton(selected: Boolean, onClick: (() -> Unit)?, modifier: Modifier = Modifier, enabled: Boolean = true): Unit = stub()

@Composable
fun HorizontalDivider(modifier: Modifier = Modifier): Unit = stub()

@Composable
fun AlertDialog(
    onDismissRequest: () -> Unit,
    confirmButton: @Composable () -> Unit,
    modifier: Modifier = Modifier,
    dismissButton: @Composable (() -> Unit)? = null,
    title: @Composable (() -> Unit)? = null,
    text: @Composable (() -> Unit)? = null,
): Unit = stub()

@Composable
fun Scaffold(
    modifier: Modifier = Modifier,
    topBar: @Composable () -> Unit = {},
    content: @Composable (androidx.compose.foundation.layout.PaddingValues) -> Unit,
): Unit = stub()
