package kz.kkm.app.ui

import android.Manifest
import androidx.activity.compose.BackHandler
import androidx.activity.compose.rememberLauncherForActivityResult
import androidx.activity.result.contract.ActivityResultContracts
import androidx.compose.foundation.background
import androidx.compose.foundation.layout.Arrangement
import androidx.compose.foundation.layout.Column
import androidx.compose.foundation.layout.Row
import androidx.compose.foundation.layout.fillMaxSize
import androidx.compose.foundation.layout.fillMaxWidth
import androidx.compose.foundation.layout.height
import androidx.compose.foundation.layout.padding
import androidx.compose.foundation.layout.safeDrawingPadding
import androidx.compose.foundation.text.KeyboardOptions
import androidx.compose.foundation.lazy.LazyColumn
import androidx.compose.foundation.lazy.items
import androidx.compose.material3.Button
import androidx.compose.material3.MaterialTheme
import androidx.compose.material3.OutlinedButton
import androidx.compose.material3.OutlinedTextField
import androidx.compose.material3.Surface
import androidx.compose.material3.Text
import androidx.compose.material3.TextButton
import androidx.compose.runtime.Composable
import androidx.compose.runtime.LaunchedEffect
import androidx.compose.runtime.getValue
import androidx.compose.runtime.mutableStateOf
import androidx.compose.runtime.remember
import androidx.compose.runtime.setValue
import androidx.compose.ui.Modifier
import androidx.compose.ui.graphics.Color
import androidx.compose.ui.input.key.onPreviewKeyEvent
import androidx.compose.ui.input.key.type
import androidx.compose.ui.input.key.KeyEventType
import androidx.compose.ui.input.key.utf16CodePoint
import androidx.compose.ui.platform.LocalContext
import androidx.compose.ui.text.input.KeyboardType
import androidx.compose.ui.text.input.PasswordVisualTransformation
import androidx.compose.ui.unit.dp
import androidx.lifecycle.compose.collectAsStateWithLifecycle
import kz.kkm.app.logic.ADMIN_SCREENS
import kz.kkm.app.logic.CashierModels
import kz.kkm.app.logic.PaymentChoice
import kz.kkm.app.logic.PinPad
import kz.kkm.app.logic.Screen
import kz.kkm.app.logic.SessionModel
import kz.kkm.app.logic.Status
import kz.kkm.app.logic.SyncBanner
import kz.kkm.app.logic.TillModel
import kz.kkm.core.ScanMode
import kz.kkm.sdk.Quantity
import kz.kkm.sdk.Tenge

/** The app: the offline banner and the last message over the current screen. */
@Composable
fun CashierApp(model: CashierViewModel) {
    val session = model.session
    val state by session.state.collectAsStateWithLifecycle()
    val status by session.status.collectAsStateWithLifecycle()
    // Back is the screen's own "back" where the session takes it (never losing a basket).
    BackHandler(enabled = session.handlesBack()) { session.back() }
    MaterialTheme {
        Surface(Modifier.fillMaxSize()) {
            // Edge to edge: the content stays clear of the status and navigation bars, the
            // display cutout and the keyboard.
            Column(Modifier.safeDrawingPadding()) {
                state.banner?.let { OfflineBanner(it) }
                StatusLine(status)
                val cashier = state.cashier
                val admin = state.admin
                when {
                    state.screen == Screen.RECOVERY -> RecoveryScreen(session, state.recovery)
                    state.screen == Screen.SETUP -> SetupScreen(model)
                    state.screen == Screen.ADMIN_LOGIN -> AdminLoginScreen(session)
                    admin != null && state.screen in ADMIN_SCREENS -> AdminScreens(session, admin, state.screen)
                    cashier == null -> LoginScreen(session)
                    else -> CashierScreens(model, cashier, state.screen)
                }
            }
        }
    }
}


@Composable
private fun CashierScreens(model: CashierViewModel, m: CashierModels, screen: Screen) {
    val session = model.session
    when (screen) {
        Screen.PAYMENT -> PaymentScreen(session, m.till)
        Screen.RETURN -> ReturnScreen(session, m)
        Screen.SHIFT, Screen.JOURNAL -> ShiftScreen(session, m.shift, journal = screen == Screen.JOURNAL)
        Screen.PIN -> PinChangeScreen(session, m.pin)
        Screen.PRINTERS -> PrinterScreen(model, m.shift)
        else -> SaleScreen(session, m)
    }
}

/** A model's busy flag and last message. */
@Composable
fun StatusLine(status: Status) {
    status.message?.let { Text(it, color = MaterialTheme.colorScheme.error, modifier = Modifier.padding(8.dp)) }
}

/** «Автономный режим · в очереди: N · осталось H ч». */
@Composable
fun OfflineBanner(banner: SyncBanner.Banner) {
    val colour = when (banner.level) {
        SyncBanner.Level.INFO -> Color(0xFF1565C0)
        SyncBanner.Level.WARNING -> Color(0xFFF9A825)
        SyncBanner.Level.ERROR -> Color(0xFFC62828)
    }
    Text(banner.text, color = Color.White, modifier = Modifier.fillMaxWidth().background(colour).padding(8.dp))
}

/** The register did not open: why, and what can be done (retry, or set the data aside). */
@Composable
fun RecoveryScreen(session: SessionModel, recovery: kz.kkm.app.logic.Recovery?) {
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Касса не открылась", style = MaterialTheme.typography.titleLarge)
        Text(recovery?.text ?: "")
        Button(onClick = { session.retry() }) { Text("Повторить") }
        if (recovery?.keyLost == true) {
            OutlinedButton(onClick = { session.startAfresh() }) { Text("Отложить данные и начать заново") }
        }
    }
}

@Composable
fun SetupScreen(model: CashierViewModel) {
    var host by remember { mutableStateOf("") }
    var port by remember { mutableStateOf("7777") }
    var kkmId by remember { mutableStateOf("") }
    var token by remember { mutableStateOf("") }
    var pin by remember { mutableStateOf("0000") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Регистрация кассы в ОФД", style = MaterialTheme.typography.titleLarge)
        OutlinedTextField(host, { host = it }, label = { Text("Сервер ОФД") })
        OutlinedTextField(port, { port = it }, label = { Text("Порт") })
        OutlinedTextField(kkmId, { kkmId = it }, label = { Text("ID кассы в ОФД") })
        OutlinedTextField(token, { token = it }, label = { Text("Токен") })
        PinField(pin, { pin = it }, "PIN администратора")
        Button(onClick = {
            model.saveOfd(host, port.toIntOrNull() ?: 0, true)
            model.session.setup(kkmId.toLongOrNull() ?: 0, token.toLongOrNull() ?: 0, pin)
        }) { Text("Зарегистрировать") }
    }
}

/** A PIN typed into a field: masked, with the numeric keyboard. */
@Composable
fun PinField(value: String, onValueChange: (String) -> Unit, label: String) {
    OutlinedTextField(
        value,
        onValueChange,
        label = { Text(label) },
        visualTransformation = PasswordVisualTransformation(),
        keyboardOptions = KeyboardOptions(keyboardType = KeyboardType.NumberPassword),
        singleLine = true,
    )
}

/** A PIN pad; [onSubmit] gets the PIN typed. */
@Composable
fun PinPadView(title: String, onSubmit: (String) -> Unit) {
    val pad = remember { PinPad() }
    var shown by remember { mutableStateOf("") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text(title, style = MaterialTheme.typography.titleLarge)
        Text(shown.ifEmpty { "PIN" }, style = MaterialTheme.typography.headlineMedium)
        listOf("123", "456", "789", "<0>").forEach { row ->
            Row(horizontalArrangement = Arrangement.spacedBy(8.dp)) {
                row.forEach { c ->
                    OutlinedButton(onClick = {
                        when (c) {
                            '<' -> pad.backspace()
                            '>' -> if (pad.canSubmit) onSubmit(pad.pin).also { pad.clear() }
                            else -> pad.press(c)
                        }
                        shown = pad.masked
                    }) { Text(if (c == '<') "⌫" else if (c == '>') "OK" else c.toString()) }
                }
            }
        }
    }
}

@Composable
fun LoginScreen(session: SessionModel) {
    Column {
        PinPadView("Вход кассира") { session.login(it) }
        TextButton(onClick = { session.go(Screen.ADMIN_LOGIN) }) { Text("Администрирование") }
    }
}

@Composable
fun SaleScreen(session: SessionModel, m: CashierModels) {
    val till = m.till
    val s by till.state.collectAsStateWithLifecycle()
    val status by till.status.collectAsStateWithLifecycle()
    var code by remember { mutableStateOf("") }
    var price by remember { mutableStateOf("") }
    var scanning by remember { mutableStateOf(false) }
    val camera = rememberLauncherForActivityResult(ActivityResultContracts.RequestPermission()) { scanning = it }
    // This screen watches the basket: Back with goods in it stays here (SessionModel.back).
    BackHandler(enabled = s.lines.isNotEmpty()) { session.back() }
    // A keyboard-mode scanner types into whatever has focus: every key goes to the till first.
    Column(
        Modifier.padding(8.dp).onPreviewKeyEvent { e ->
            e.type == KeyEventType.KeyDown && e.utf16CodePoint > 0 && till.key(e.utf16CodePoint.toChar()) != null
        },
        verticalArrangement = Arrangement.spacedBy(6.dp),
    ) {
        Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
            TextButton(onClick = { session.go(Screen.SHIFT) }) { Text("Смена") }
            TextButton(onClick = { session.go(Screen.RETURN) }) { Text("Возврат") }
            TextButton(onClick = { session.go(Screen.PRINTERS) }) { Text("Принтер") }
            TextButton(onClick = { session.go(Screen.PIN) }) { Text("PIN") }
            TextButton(onClick = { session.logout() }) { Text("Выход") }
        }
        StatusLine(status)
        if (scanning) {
            CameraScanner(ScanMode.ANY, Modifier.fillMaxWidth().height(200.dp), onError = {
                till.report(it)
                scanning = false
            }) { till.scanned(it) }
        }
        s.pendingMark?.let { NamePriceForm("Маркированный товар ${it.gtin}") { n, p -> till.completeMark(n, p) } }
        s.pendingBarcode?.let { NamePriceForm("Штрихкод $it не найден") { n, p -> till.completeBarcode(n, p) } }
        // A scanned receipt QR: its return.
        LaunchedEffect(s.returnOf) {
            s.returnOf?.let { fiscalId ->
                m.returns.find(fiscalId)
                till.clearPending()
                session.go(Screen.RETURN)
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutlinedTextField(code, { code = it }, label = { Text("Штрихкод") }, modifier = Modifier.weight(2f))
            Button(onClick = { till.typed(code); code = "" }) { Text("OK") }
            if (hasCamera(LocalContext.current)) {
                OutlinedButton(onClick = { if (scanning) scanning = false else camera.launch(Manifest.permission.CAMERA) }) {
                    Text(if (scanning) "Скрыть камеру" else "Камера")
                }
            }
        }
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutlinedTextField(price, { price = it }, label = { Text("Цена") }, modifier = Modifier.weight(1f))
            // A free item in one tap (свободная позиция).
            Button(onClick = { Tenge.parse(price)?.let { till.addFree(it) }; price = "" }) { Text("+ Товар") }
        }
        LazyColumn(Modifier.weight(1f)) {
            items(s.lines, key = { it.id }) { line -> LineRow(till, line) }
        }
        s.totals?.let { t ->
            Text("Скидка ${Tenge.format(t.discountTiyn)} · наценка ${Tenge.format(t.markupTiyn)} · НДС ${Tenge.format(t.taxes.sumOf { it.sumTiyn })}")
        }
        ReceiptModifiers(till)
        Button(enabled = s.lines.isNotEmpty() && !status.busy, onClick = { session.go(Screen.PAYMENT) }, modifier = Modifier.fillMaxWidth()) {
            Text("К оплате ${Tenge.format(s.totals?.totalTiyn ?: 0)} ₸")
        }
        s.lastReceipt?.let { r -> Text("Чек №${r.documentNumber}: " + if (r.offline) "Автономный ${r.fiscalId}" else "ФП ${r.fiscalId}") }
    }
}

/** A basket line: quantity, price (where allowed), discount or markup, remove. */
@Composable
fun LineRow(till: TillModel, line: kz.kkm.app.logic.TillLine) {
    var edit by remember { mutableStateOf(false) }
    var qty by remember { mutableStateOf(Quantity.format(line.item.quantityMilli)) }
    var price by remember { mutableStateOf(Tenge.format(line.item.priceTiyn)) }
    var amount by remember { mutableStateOf("") }
    Column {
        Row(Modifier.fillMaxWidth(), horizontalArrangement = Arrangement.SpaceBetween) {
            TextButton(onClick = { edit = !edit }) {
                Text("${line.item.name} × ${Quantity.format(line.item.quantityMilli)}" + if (line.item.exciseMark != null) " ⓜ" else "")
            }
            Text(Tenge.format(line.totalTiyn))
            TextButton(onClick = { till.remove(line.id) }) { Text("✕") }
        }
        if (edit) Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
            OutlinedTextField(qty, { qty = it }, label = { Text("Кол.") }, modifier = Modifier.weight(1f))
            OutlinedTextField(price, { price = it }, enabled = line.editablePrice, label = { Text("Цена") }, modifier = Modifier.weight(1f))
            OutlinedTextField(amount, { amount = it }, label = { Text("Сумма ±") }, modifier = Modifier.weight(1f))
            TextButton(onClick = {
                Quantity.parse(qty)?.let { if (it != line.item.quantityMilli) till.setQuantity(line.id, it) }
                Tenge.parse(price)?.let { if (line.editablePrice && it != line.item.priceTiyn) till.setPrice(line.id, it) }
                edit = false
            }) { Text("OK") }
            TextButton(onClick = { Tenge.parse(amount)?.let { till.setLineDiscount(line.id, it) } }) { Text("Скидка") }
            TextButton(onClick = { Tenge.parse(amount)?.let { till.setLineMarkup(line.id, it) } }) { Text("Наценка") }
        }
    }
}

/** Discount or markup on the whole receipt. */
@Composable
fun ReceiptModifiers(till: TillModel) {
    var amount by remember { mutableStateOf("") }
    Row(horizontalArrangement = Arrangement.spacedBy(4.dp)) {
        OutlinedTextField(amount, { amount = it }, label = { Text("На чек ±") }, modifier = Modifier.weight(1f))
        TextButton(onClick = { Tenge.parse(amount)?.let(till::setReceiptDiscount) }) { Text("Скидка") }
        TextButton(onClick = { Tenge.parse(amount)?.let(till::setReceiptMarkup) }) { Text("Наценка") }
    }
}

@Composable
fun NamePriceForm(title: String, onDone: (String, Long) -> Unit) {
    var name by remember { mutableStateOf("") }
    var price by remember { mutableStateOf("") }
    Column(Modifier.padding(8.dp)) {
        Text("$title: введите наименование и цену")
        OutlinedTextField(name, { name = it }, label = { Text("Наименование") })
        OutlinedTextField(price, { price = it }, label = { Text("Цена") })
        Button(onClick = { Tenge.parse(price)?.let { onDone(name, it) } }) { Text("Добавить") }
    }
}

@Composable
fun PaymentScreen(session: SessionModel, till: TillModel) {
    val s by till.state.collectAsStateWithLifecycle()
    val status by till.status.collectAsStateWithLifecycle()
    var given by remember { mutableStateOf("") }
    var card by remember { mutableStateOf("") }
    Column(Modifier.padding(16.dp), verticalArrangement = Arrangement.spacedBy(8.dp)) {
        Text("Итого: ${Tenge.format(s.totals?.totalTiyn ?: 0)} ₸", style = MaterialTheme.typography.headlineSmall)
        StatusLine(status)
        Row(horizontalArrangement = Arrangement.spacedBy(6.dp)) {
            OutlinedButton(onClick = { till.choosePayment(PaymentChoice.Card) }) { Text("Карта") }
            OutlinedButton(onClick = { till.choosePayment(PaymentChoice.Mobile) }) { Text("Мобильный") }
            OutlinedButton(onClick = { till.choosePayment(PaymentChoice.Cash(Tenge.parse(given) ?: 0)) }) { Text("Наличные") }
        }
        OutlinedTextField(given, {
            given = it
            val p = s.payment
            val cash = Tenge.parse(it) ?: 0
            till.choosePayment(if (p is PaymentChoice.Mixed) p.copy(cashGivenTiyn = cash) else PaymentChoice.Cash(cash))
        }, label = { Text("Получено наличными") })
        OutlinedTextField(card, {
            card = it
            till.choosePayment(PaymentChoice.Mixed(Tenge.parse(it) ?: 0, Tenge.parse(given) ?: 0))
        }, label = { Text("Картой (смешанная)") })
        s.summary?.let {
            if (it.dueTiyn > 0) Text("Осталось: ${Tenge.format(it.dueTiyn)} ₸")
            if (it.changeTiyn > 0) Text("Сдача: ${Tenge.format(it.changeTiyn)} ₸", style = MaterialTheme.typography.titleLarge)
        }
        Button(enabled = s.summary?.canPay == true && !status.busy, onClick = {
            till.pay().invokeOnCompletion { if (till.status.value.message == null) session.go(Screen.SALE) }
        }) { Text("Оплатить") }
        TextButton(onClick = { session.go(Screen.SALE) }) { Text("Назад") }
    }
}
